"""A scikit-image nuclei count as a Python user would write it: Otsu,
fill holes, distance transform, peak markers, watershed. One process for
the whole batch.

usage: skimage_nuclei.py IN_DIR OUT_DIR
Writes OUT_DIR/counts.csv (image,nuclei) and OUT_DIR/labels/<stem>.png
(16-bit instance labels).
"""
import os
import sys

import numpy as np
from scipy import ndimage as ndi
from skimage import io, morphology
from skimage.color import rgb2gray
from skimage.feature import peak_local_max
from skimage.filters import threshold_otsu
from skimage.measure import label
from skimage.segmentation import relabel_sequential, watershed


def segment(img):
    if img.ndim == 3:
        img = rgb2gray(img[..., :3])
    fg = img > threshold_otsu(img)
    if fg.mean() > 0.5:  # nuclei are the minority phase (dark on light)
        fg = ~fg
    fg = ndi.binary_fill_holes(fg)
    fg = morphology.remove_small_objects(fg, 10)
    dist = ndi.distance_transform_edt(fg)
    peaks = peak_local_max(dist, min_distance=5, labels=label(fg), exclude_border=False)
    markers = np.zeros(fg.shape, dtype=np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    lab = watershed(-dist, markers, mask=fg)
    lab, _, _ = relabel_sequential(lab)
    return lab


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    rows = ["image,nuclei"]
    for name in sorted(os.listdir(src)):
        if not name.endswith(".png"):
            continue
        lab = segment(io.imread(os.path.join(src, name)))
        io.imsave(os.path.join(out, "labels", name), lab.astype(np.uint16), check_contrast=False)
        rows.append("%s,%d" % (name, lab.max()))
    with open(os.path.join(out, "counts.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
