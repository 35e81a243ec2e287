"""Standard enrolment records in and out.

- :mod:`.ansi_nist`: ANSI/NIST-ITL 1-2011 (Update 2015) transactions, traditional encoding (Type-1, 2, 4, 9,
  10, 14), through the ``nistitl`` container codec.
- :mod:`.iso19794_4` / :mod:`.iso19794_5`: ISO/IEC 19794-4:2005 finger image and 19794-5:2005 face image
  records.
- :mod:`.icao_dg`: ICAO Doc 9303 Part 10 DG2 (face) and DG3 (fingers) over a strict BER-TLV codec
  (:mod:`.ber_tlv`).
- :mod:`.model`: the neutral :class:`RecordImages` every format reads into and writes from.

Every reader raises only :class:`~cccd_biometrics.errors.RecordFormatError` (or ``InputNotFoundError`` for a
missing path) on bad input, checks every declared length against the data and :data:`MAX_RECORD_BYTES`
before allocating, and writes records that read back to the same bytes.
"""

from .ansi_nist import parse_transaction, read_transaction, transaction_bytes, write_transaction
from .icao_dg import read_dg2, read_dg3, write_dg2, write_dg3
from .iso19794_4 import read_iso19794_4, write_iso19794_4
from .iso19794_5 import feature_points_from_facemesh, read_iso19794_5, write_iso19794_5
from .model import (
    MAX_RECORD_BYTES,
    NFIQ2_ALGORITHM,
    OUR_QUALITY_ALGORITHM,
    FeaturePoint,
    FingerCapture,
    PortraitCapture,
    QualityMetric,
    RecordImages,
    SlapCapture,
    SlapSegment,
    absence_code,
    quality_metrics,
)

__all__ = [
    "MAX_RECORD_BYTES",
    "NFIQ2_ALGORITHM",
    "OUR_QUALITY_ALGORITHM",
    "FeaturePoint",
    "FingerCapture",
    "PortraitCapture",
    "QualityMetric",
    "RecordImages",
    "SlapCapture",
    "SlapSegment",
    "absence_code",
    "feature_points_from_facemesh",
    "parse_transaction",
    "quality_metrics",
    "read_dg2",
    "read_dg3",
    "read_iso19794_4",
    "read_iso19794_5",
    "read_transaction",
    "transaction_bytes",
    "write_dg2",
    "write_dg3",
    "write_iso19794_4",
    "write_iso19794_5",
    "write_transaction",
]
