// Package colonies counts colonies in photographs of culture dishes and
// computes the colony-formation efficiency (CFE) of a clonogenic assay.
//
// Two kinds of dish are handled by one pipeline: crystal-violet stained
// dishes (dark violet colonies on a light dish, Polarity "dark") and agar
// plates (light colonies on dark agar, Polarity "light"). "auto" picks
// crystal violet when more than 2 % of the dish is violet ((B+R)/2 − G >
// 30 grey levels), else the side on which the background-corrected dish has
// the heavier tail beyond 5 σ; when that side contradicts the dish's
// brightness (light colonies on a light dish, dark on a dark one), the side
// whose most contrasted 0.01 % of dish pixels reach deeper, since colonies
// are opaque and droplets, reflections and labels pale.
//
// Steps, on a working copy whose longer side is at most 1280 px (an image
// whose working short side is below 16 px is flagged too_small before any
// OpenCV call):
//
//  1. Dish: Hough circles and the inscribed circle are scored by the share
//     of rays crossing a clear radial edge (≥ 4 grey levels over 2 px)
//     within 3 % of the radius; the best is refined by coordinate ascent
//     and needs ≥ 45 % of the rays. When no circle reaches that (colony
//     edges up to the wall outshine it), the search is repeated taking on
//     each ray the outermost clear step, since colonies lie inside the
//     wall; both polarities of wall and bench count (|step|). The rim band
//     (wall, meniscus, lid vents) starts where a radial step recurs on
//     ≥ 40 % of 360 rays, with the step threshold max(6, 5 σ) set from the
//     image's own noise.
//  2. Background (contrast): a median filter a quarter of the dish radius
//     wide; when the polarity is known (crystal violet, --polarity) or
//     more than 30 % of the dish is above the colony threshold, the
//     envelope instead (a closing for dark colonies, an opening for light
//     ones, over the same window), re-centred on the background peak with
//     σ from the peak's far side, so a dish covered more than half by
//     colonies keeps its background. Then a box mean over dish pixels that
//     are not colonies, and polar medians (1 px × 1/64 turn) across the rim
//     band. res = ±(smoothed − background), signed so colonies are
//     positive; σ = 1.4826·MAD of res over the dish.
//  3. Objects (objectMask): res > max(4 σ, 6) grey levels, holes filled; an
//     object needs a pixel above max(8 σ, 14). With a size rule whose
//     smallest colony D is ≥ 12 working px, res is first blurred with
//     σ = D/6: loose colonies of spindle cells become one object.
//  4. Strokes (writing, fibres, scratches, agar folds) are set aside by
//     shape: parts narrower than 2 × 0.6 × the smallest colony's radius are
//     opened off the mask; a piece is a stroke when its max distance to
//     the edge is < 0.55 × its equivalent radius or < 0.6 × the smallest
//     colony's radius, its principal axis ratio > 3, or its mean contrast
//     < 1.5 thresholds; an object two thirds thin is a stroke entirely.
//  5. Touching colonies are split by a persistence watershed of
//     f = DT·res/C (C the 90th percentile of res in colonies): a maximum is
//     a colony of its own when it rises ≥ 15 % of its height above the
//     saddle (Felzenszwalb & Huttenlocher 2012 for the exact DT). Where no
//     split cue exists (colonies overlapping by more than a radius), a
//     non-round object (circularity < 0.8, or max DT < 0.85 × its
//     equivalent radius: two discs overlapping by a radius give 0.79)
//     no thicker than 2 typical radii (any thickness on a plate flagged
//     confluent, where a thick ragged object is a patch of colonies)
//     counts round(Σ OD ÷ typical) colonies (dark colonies; light and
//     loose ones keep the area estimate): the optical density
//     (−ln I/bg) of overlapping colonies adds, and the typical colony is the mean Σ OD of ≥ 10 round
//     isolated colonies (QC count_estimated_from_area;
//     Result.EstimatedColonies).
//  6. Classes: below the colony size threshold → "abortive" (stained
//     dishes: a piece of a touching group that is not its deepest and
//     whose deepest point, the largest distance to the mask's edge, lies
//     outside the disc of every deeper piece is a colony of its own, as
//     large as that disc: overlapping larger neighbours took its flanks);
//     in the rim band and not round → "debris"; core contrast (mean res
//     over the inner half of the object) below a third of the median core
//     contrast of the colonies off the rim → "debris": lid vents,
//     reflections, condensation and agar smears are faint next to the
//     plate's own colonies.
//     Without a size rule, a dark round object set aside as small or faint,
//     at least 1.5 × the peak threshold, whose centre lies within 2.5
//     radii of a counted colony at least 3× its radius is a satellite
//     colony and counted. Without a size rule, a dark object under a
//     tenth of the area of the plate's upper-quartile counted colony is
//     debris unless a counted colony twice its radius lies within 2.5 of
//     that colony's radii: colonies plated together share a size within
//     a factor, so it is a satellite or a speck. On stained dishes
//     (loose colonies), an object whose colour shift per optical density
//     lies further than half the dye's from it, or, beyond it along the
//     dye's line, from that line, is debris (marker ink): sparse colonies
//     shift further per grey OD along that line. The dye's is the median
//     of the round stained objects, colonies and abortive clusters alike,
//     as writing is made of strokes.
//
// The colony size threshold follows the lab's definition, a colony is
// ≥ 50 cells: MinColonyAreaPx, or with a pixel size MinColonyAreaUM2,
// MinColonyDiameterUM, or MinCells × CellAreaUM2 (µm²); without a pixel
// size MinCells × CellAreaPx (px² per cell). Without any, objects smaller
// than 0.5 % of the dish diameter are rejected as debris. Result.SizeRule
// names the rule that decided (images.csv size_rule).
//
// CFE (%) = colonies ÷ cells seeded × 100 (the plating efficiency of
// Franken et al., Nat Protoc 1:2315, 2006), for 1 ≤ cells seeded ≤ 10¹²
// (else no CFE and no_cells_seeded); above 100 % it is flagged
// cfe_implausible, as every colony needs a seeded cell. SummariseCFE pools
// replicate dishes, with the exact (Garwood 1936) interval of the pooled
// count from stats.PoissonCI.
//
// QC flags instead of numbers for bad input: dish_not_found (the whole
// image minus a 2 % border is analysed), blank (nothing reaches colony
// contrast), confluent (> 45 % of the dish covered, or > half of it above
// threshold, or a violet-dominated dish), saturated, too_small.
//
// Synthesize draws crystal-violet dishes with known colonies, touching
// pairs, abortive clusters and debris for tests. SynthesizePlate draws
// randomised plates of three kinds (light-on-dark agar, dark-on-light
// agar, crystal violet with dome or loose spindle-cell colonies): bench
// and wall of either polarity, agar tint, lighting gradient and
// vignetting, colonies 0.3–5 mm log-normal, up to 1500 per plate,
// overlaps, satellites, rim reflections, condensation, fibres, specks and
// marker writing, with exact truth (histocount-synth plates writes them). Accuracy on the 26
// colony-plates dev photographs (manual counts) is measured by
// internal/eval; the OpenCFU paper (Geissmann, PLoS ONE 8:e54072, 2013)
// reports 4.6 % mean absolute percentage error against the median of
// seven human counters on its webcam plates, the reference to beat.
package colonies
