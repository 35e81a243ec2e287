"""Foreground segmentation on block-energy fields built by hand (one number per block)."""

from __future__ import annotations

import numpy as np

from cccd_biometrics.fingerprint.fields.segmentation import ENERGY_FLOOR, block_foreground, pixel_mask

HIGH, LOW = 20.0, 0.5


def _finger(shape=(24, 20), top=2, bottom=22, left=3, right=17) -> np.ndarray:
    energy = np.full(shape, LOW, np.float32)
    energy[top:bottom, left:right] = HIGH
    return energy


def test_flat_image_has_no_foreground():
    assert not block_foreground(np.full((10, 10), ENERGY_FLOOR / 2, np.float32)).any()
    assert block_foreground(np.zeros((0, 0), np.float32)).shape == (0, 0)


def test_finger_rectangle_is_found_and_background_kept_out():
    mask = block_foreground(_finger())
    assert mask[3:21, 4:16].all()  # the cleaning may round the corners
    assert not mask[:, :2].any() and not mask[:, 18:].any()


def test_enclosed_hole_is_filled():
    energy = _finger()
    energy[8:14, 7:12] = LOW  # a scar or dry patch inside the finger
    assert block_foreground(energy)[8:14, 7:12].all()


def test_bay_reaching_the_border_through_a_narrow_gap_is_filled():
    # the finger fills the image; a wet (saturated, flat) patch inside it reaches the top edge over 4 blocks
    energy = np.full((24, 20), HIGH, np.float32)
    energy[0:3, 8:12] = LOW
    energy[3:12, 5:15] = LOW
    mask = block_foreground(energy)
    assert mask[0:12, 5:15].all()


def test_background_along_the_border_is_not_a_bay():
    # the finger leaves a wide strip of background along the bottom and a corner free: both stay background
    energy = _finger(top=0, bottom=17, left=0, right=20)
    energy[0:5, 15:20] = LOW
    mask = block_foreground(energy)
    assert not mask[18:, :].any()
    assert not mask[0:4, 16:20].any()


def test_pixel_mask_matches_block_mask_inside_blocks():
    blocks = np.zeros((4, 4), bool)
    blocks[1:3, 1:3] = True
    mask = pixel_mask(blocks, 16, (64, 64))
    assert mask[24:40, 24:40].all() and not mask[:8].any() and mask.shape == (64, 64)
