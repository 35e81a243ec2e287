"""Portrait checks: face location, ISO/IEC 29794-5 measures, ICAO requirement profiles, token crop.

``detect`` (bundled MediaPipe models through OpenCV DNN) -> ``geometry`` (eye centres, pose, crown) ->
``measures`` (one value + 0-100 component per measure) -> ``icao`` (profiles -> PortraitReport);
``crop`` cuts the ISO token portrait and ``overlay`` draws a report. Nothing here is imported by
``import cccd_biometrics``; the networks load on first use, once per thread.
"""
