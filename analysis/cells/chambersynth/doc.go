// Package chambersynth draws whole trypan-blue hemocytometer fields with
// exact ground truth, for tests and for evaluating the trypan counter on
// fields it was never tuned on.
//
// A field is W×H pixels at s µm/px (default 1600×1200 at 1.2 µm/px, about
// 1.9×1.4 mm of a Neubauer chamber). Every quantity that a real field
// varies in is drawn at random from Params' ranges (domain randomisation):
//
//   - cells: diameter d ~ U(DiamMinUM, DiamMaxUM) µm (10–18 by default);
//     live cells are a dark refractile rim (width 0.12–0.3·r, darkness
//     40–140 grey levels) around a bright centre (+20…+90 levels), with a
//     faint bright halo outside the rim and a slight ellipticity (axis
//     ratio ≤ 1.15); dead cells are filled and stained: blue with a random
//     hue (B−R 30–110 levels at full stain) and intensity, a darker
//     membrane, a little texture;
//   - clumps of 2–6 touching cells (centre spacing 0.85–1.0·(r₁+r₂));
//   - the chamber grid: a square lattice of pitch 250 or 200 µm (random
//     phase, rotation ≤ 1.5°), single or triple lines (triple spacing
//     3–6 µm), drawn dark (line darkness 30–90 levels) or as bright-cored
//     lines with dark edges (the look of a slightly defocused grid);
//   - illumination: background 140–215 grey levels, a linear gradient of
//     up to ±15 % and a radial fall-off of up to 15 % at the corners;
//   - debris: specks of 1–4 µm (never counted) and faint, large
//     out-of-focus ghosts of 20–45 µm;
//   - focus: a Gaussian blur of σ 0–1.4 px; camera noise σ 1–5 levels;
//     optionally JPEG coding at quality 60–95; a fraction of fields grey.
//
// Counting rule (the chamber convention for cells on a boundary, applied
// to the field's edges): a cell whose disc intersects the field counts
// unless it crosses the bottom or the right edge; cells cut by the top or
// left edge count, cells cut by the bottom or right edge do not:
//
//	counted ⇔ x+r > 0 ∧ y+r > 0 ∧ x+r ≤ W ∧ y+r ≤ H
//
// (x, y) the cell centre and r its radius in pixels. With this rule a field
// cut into tiles counts every cell exactly once over its tiles: a cell on
// a tile boundary crosses the right/bottom edge of one tile (not counted
// there) and the left/top edge of the next (counted there), so the counts
// of the tiles add up to the count of the field (Field.Crop).
//
// Viability = live ÷ (live + dead) × 100 %, over counted cells.
package chambersynth
