"""Decoding and encoding of image files (and WSQ stream validation); knows nothing of fingers or faces.

:mod:`.decode` reads paths, bytes, streams and arrays with size limits and typed errors; :mod:`.encode` writes
PNG, BMP, TIFF, JPEG, JPEG 2000 and WSQ; :mod:`.wsq_stream` checks a WSQ stream before the NBIS decoder sees it.
"""

from .decode import IMAGE_SUFFIXES, MAX_PIXELS, READ_FORMATS, DecodedImage, ImageSource, decode_image
from .encode import WRITE_FORMATS, encode_wsq, save_image

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "DecodedImage",
    "ImageSource",
    "decode_image",
    "encode_wsq",
    "save_image",
]
