"""Scores instance labels against the DSB2018 truth: pooled F1 at IoU 0.5
and the median and mean absolute count error (% of the true count).

usage: score_nuclei.py DATA_DIR LABELS_DIR [LABELS_DIR ...]
DATA_DIR holds truth.csv and labels/; each LABELS_DIR holds <stem>.png or
<stem>.tif per image. Prints one line per LABELS_DIR.
"""
import csv
import os
import sys

import numpy as np
from skimage import io


def matches(truth, pred):
    """Number of truth/prediction pairs with IoU > 0.5 (each unique)."""
    t = truth.astype(np.int64).ravel()
    p = pred.astype(np.int64).ravel()
    nt, np_ = t.max() + 1, p.max() + 1
    inter = np.bincount(t * np_ + p, minlength=nt * np_).reshape(nt, np_)
    at, ap = inter.sum(1), inter.sum(0)
    inter = inter[1:, 1:]
    union = at[1:, None] + ap[None, 1:] - inter
    return int(np.count_nonzero(inter * 2 > union))


def load(path):
    img = io.imread(path)
    if img.ndim == 3:
        img = img[..., 0]
    # ImageJ's count masks are float when saved past 65535 objects; never here
    return np.rint(img).astype(np.int64)


def main():
    data, dirs = sys.argv[1], sys.argv[2:]
    rows = list(csv.DictReader(open(os.path.join(data, "truth.csv"))))
    for d in dirs:
        tp = fp = fn = 0
        errs, missing = [], 0
        for r in rows:
            stem = os.path.splitext(os.path.basename(r["image"]))[0]
            cand = [os.path.join(d, stem + e) for e in (".png", ".tif")]
            cand = [c for c in cand if os.path.exists(c)]
            if not cand:
                missing += 1
                continue
            truth = load(os.path.join(data, r["labels"]))
            pred = load(cand[0])
            if pred.shape != truth.shape:
                missing += 1
                continue
            nt = len(np.unique(truth)) - (1 if (truth == 0).any() else 0)
            npred = len(np.unique(pred)) - (1 if (pred == 0).any() else 0)
            m = matches(truth, pred)
            tp, fp, fn = tp + m, fp + npred - m, fn + nt - m
            if nt > 0:
                errs.append(abs(npred - nt) / nt * 100)
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        print("%s: %d images scored (%d without labels)  F1@IoU0.5 %.3f  count error median %.1f %%  mean %.1f %%"
              % (d, len(errs), missing, f1, np.median(errs), np.mean(errs)))


if __name__ == "__main__":
    main()
