// Package passport builds the passports that leave the lab with a product:
// the dose passport of a cell batch (kind "dose") and, later, the skin
// passport of a donor (kind "skin", issue 13). A passport is one
// models.Passport rendered three ways from the same htmlreport.Page —
// passport.json (schema: `histocount schema passport`), passport.html
// (self-contained) and passport.pdf (A4) — so the three always agree.
//
// Shared by every kind (this file's siblings): the subject, the release
// decision with the rule that decided it and every check, QC flags with
// their meaning, every image with its sha256 and an overlay thumbnail,
// provenance (histocount version, commit, parameters, the sha256 of the
// results and sheet used), and blank signature lines (prepared, reviewed).
// A kind adds its measurements (DosePassport) and its page sections.
//
// Dose passport. From the fields (images) of the batch, counted by
// `histocount cells`:
//
//	V = Σ W·H·s²·D·10⁻⁹ µl                       imaged chamber volume
//	viable/ml = live / V · 1000 · dilution · trypan ratio, exact Poisson (Garwood) 95 % CI on live
//	viability = live / (live + dead), Wilson 95 % CI
//	total viable cells in the container = viable/ml × container volume (ml), CI scaled alike
//	volume to draw = prescribed dose / viable/ml (ml); range = dose / CI high … dose / CI low
//
// Release rule: the batch is released only when every check passes —
// (1) a concentration is known (calibrated images, no failed image);
// (2) the lower 95 % limit of viable cells/ml ≥ the minimum (default 1 × 10⁶ /ml);
// (3) the lower 95 % limit of viability ≥ the minimum (default 70 %);
// (4) the dose fits the container: the upper limit of the volume to draw ≤
// the container volume. A check whose interval straddles its limit is
// "borderline" (count more fields) and does not release. QC flags on images
// are listed for the reviewer but do not decide.
package passport
