// Package dermis segments the layers of a skin section (stratum corneum,
// epidermis, dermis, hypodermis) in H&E or silver-impregnated slides and
// measures epidermal and dermal thickness perpendicular to the skin
// surface, the way a pathologist does with a calibrated eyepiece.
//
// # Segmentation
//
// The input is area-averaged to about 1 µm per working pixel (at most
// 1.2 MP) and converted to optical density OD_c = −log10(I_c / I0_c), with
// I0_c the glass brightness. Vignetting is divided out first: a radial
// fall-off I0·exp(k·ρ), ρ = r²/r²_corner, fitted to the log brightness of
// flat (glass) blocks, when it exceeds 3 %; then any remaining smooth
// gradient, a quadratic in x and y fitted to the brightest population of
// flat blocks (glass and empty adipocyte interiors; flat pale tissue and
// bright tears are more than 5 % off and drop out), when it exceeds 2 %.
// I0_c is that population's median brightness (tears or bubbles can be
// brighter than the glass), or the 99.5th percentile of channel c when
// there are no such blocks.
//
//   - Tissue: smoothed total OD above the glass level: the lower of Otsu's
//     threshold and glass mode + max(0.04, 6·σ_glass), so pale loose dermis
//     counts as tissue. The glass mode is the lowest-OD peak of the
//     histogram (OD is relative to the glass, so glass lies near 0, below a
//     pale dermis), σ_glass the noise from differences of pixels 4 apart.
//   - Glass: where a disc of radius 30 µm (uncalibrated 2 % of the view)
//     fits without touching any stained pixel — an opening, on a sensitive
//     mask (glass + 5 σ, specks dropped) so faint fibres count — in
//     regions larger than a vacuole (π·125² µm²); discs may lie past the
//     image edge, so a thin strip of glass along the edge is glass (and
//     unstained pixels within a disc radius of both the glass and the image
//     edge, where the illumination falls off). An open region that runs
//     along the image edge, unbroken, for more than a vacuole's diameter
//     (250 µm) is glass however small its area: a thin strip over a
//     tilted section holds less than three large adipocytes, and
//     adipocytes cut by the edge meet it between septa (silver only: on
//     H&E the band then locked onto a fold the virtual glass had hidden). A pale dermis nearly the colour of glass still has nuclei or fibres every
//     few tens of µm and stays tissue. On silver, pale regions above the
//     threshold but as smooth as glass (local OD SD at noise level, in
//     cores ≥ 10 µm across) count as unstained and are sorted by shape
//     like the rest: tinted glass when the clear fat set the zero, or
//     lilac adipocyte interiors when the clear glass did.
//   - Vacuoles: the unstained regions left once gaps of ~1.5 µm in thin
//     septa are closed, 15 µm–250 µm across, that are round: inscribed
//     radius ≥ 0.5 × equivalent radius √(A/π). Adipocytes pass whatever the
//     stain; the irregular spaces of loose dermis do not. A region that
//     fails but holds a disc of 15 µm radius (adipocytes whose septa broke,
//     joined to a dermal cleft) is eroded by 0.35 of its inscribed radius;
//     the round cores it falls apart into, grown back by that depth, join
//     the fat where they border a lobule (pale dermal patches split too,
//     but lie apart from the fat).
//   - Stain: H&E is separated by colour deconvolution (Ruifrok & Johnston
//     2001) with the haematoxylin (0.650, 0.704, 0.286) and eosin (0.072,
//     0.990, 0.105) OD vectors. When the slide's OD lies off that plane
//     (median residual > 8 %: another eosin batch, PAS magenta), both
//     vectors are re-estimated from the slide (Macenko et al. 2009; each
//     kept within 30° of its reference). Pixels whose OD lies far off the
//     stain plane (residual > 20 % of |OD|: tissue-marking ink) are ignored. Silver:
//     total OD (argyrophilic fibres and the cellular epidermis are dark on a
//     yellow-brown ground). Stain "auto" picks H&E when green carries the
//     largest mean OD, silver when blue does; otherwise QC
//     "stain_unrecognised".
//   - Epidermis: the feature H + E/2 (H&E) or total OD (silver), smoothed
//     over tissue only (normalised convolution, σ = 2.5 µm), thresholded
//     midway between the medians of the two Otsu classes within 250 µm of
//     the glass; only components reaching within 60 µm of the glass are
//     kept. H&E whose epidermis differs from the dermis only by its packed
//     nuclei gives nuclei and gaps at that scale: when the band found the
//     same way at the scale of a cell (σ = 10 µm, closed by 8 µm) is over
//     twice as thick, it is used, and both of its edges are then refined
//     to the steepest change of the fine feature within 10 µm. That sheet
//     is thresholded 0.4 of the way from the dermis' median to the dense
//     class' (not midway): the dense class is mostly the basal row and
//     the rete ridges, and the sparser spinous layers above them would
//     fall below a midway threshold. Holes the sheet encloses up to its
//     own thickness across (stretches where the spinous nuclei are sparse)
//     are filled: a normal would otherwise end the epidermis in them; not
//     those round an unstained lumen (a vessel in a papilla). Silver
//     (calibrated): at a cell's scale the dermis' black fibres are as dense
//     as the epidermis, so the sheet is found in the ground between them —
//     the minimum over a 5 µm square (wider than a fibre, narrower than
//     the gaps between nuclei) of the OD of the channel the tissue absorbs
//     least (red for a yellow-brown impregnation), smoothed at σ = 10 µm —
//     with a third of the contrast (one channel of three), and used
//     whenever it is found (in total OD the dermal fibres under a thick
//     epidermis pass too, so the fine band may reach as deep). In total
//     OD the dense yellow stratum corneum passed for epidermis; in that
//     channel it is about as pale as the yellow dermal ground, while the
//     keratinocytes are grey. A corneum
//     can still absorb as much red as the keratinocytes while absorbing
//     far more blue: pixels of the sheet whose ratio of least- to
//     most-absorbed channel OD (smoothed at σ = 5 µm) is under 0.7× the
//     sheet's median are keratin and leave the sheet (a yellow corneum's
//     ratio is about half a grey sheet's).
//     An opening of radius min(5 µm, thickness/6) (when ≥ 2 px) detaches
//     dermal nuclei lying against the DEJ. After a first measurement the
//     band is cut back to where epidermis is plausible: along a normal at
//     every working pixel of surface, from the surface to the 80th
//     percentile of the DEJ depth within ±max(8 thicknesses, 150 µm) of
//     surface (+ a fifth of the local median, for rete ridges), capped at
//     1.6× the section's median DEJ depth. Follicles, ducts and glands that
//     open onto the surface are a minority of such a window; an opening of
//     radius 0.8× the median thickness then removes what is still much
//     thicker than the epidermis, and only pieces touching the surface stay.
//     Adnexal islands deep in the dermis never reach the glass and are
//     dermis.
//   - Hypodermis: where enclosed vacuoles cover most of the area at the
//     scale of one adipocyte (σ = half the area-weighted median vacuole
//     diameter), thresholded at half the fat plateau level. A vacuolated
//     piece that touches the epidermis (within 5 µm: loose papillary
//     dermis) or most of whose core lies within half an epidermis of it
//     (basket-weave corneum) is not fat; a lobule that only comes near a
//     stray piece of epidermis at one end is. On H&E, when
//     the clear vacuoles make no fat, the round compartments of the flat
//     regions (tinted adipocyte interiors, found as on silver but never
//     made glass) of at least 30 µm across are added; not otherwise, since the pale clefts of an
//     H&E dermis leave flat specks that would move a lobule's top up.
//   - Stratum corneum: tissue between glass and epidermis.
//   - Glass in view but no surface found (no epidermis within 60 µm of
//     the glass, or no glass found at all): before the glass is taken to
//     lie outside the view, the section is retried with H&E glass also
//     found by its smoothness (as on silver: tinted glass as dense as pale
//     tissue once brighter adipocyte interiors set the zero of OD), with
//     the epidermis allowed to start up to 120 µm under the glass (thick
//     corneum, pale upper layers), and with the tissue along each normal
//     starting at the stretch nearest the surface point (a darker strip
//     of glass along the image edge beyond the glass found), and last
//     (H&E) with tissue told from glass by its colour: the summed OD less
//     its grey part, since grey-tinted glass can be as dense as a pale
//     eosin dermis that sets the zero of OD in red and blue; adipocyte
//     septa that fade on it are kept as thin lines denser than their
//     surroundings. The first that measures is kept. A tilted view whose surface runs out at one
//     side has glass along the rest of it; the virtual glass below then
//     took the wrong edge or none. A first pass with fewer than three
//     normals, or with layers out of a skin's range (QC "implausible"), is
//     retried the same way (a sliver of glass at a view's edge), but a
//     retry replaces it only when it measures more normals and is itself
//     neither; a section measured fine is never retried.
//   - No glass in view (a crop inside the section): when no epidermis
//     borders any glass, a strip of virtual glass is laid along the image
//     edge the epidermis runs along, and the segmentation restarts from
//     the epidermis (QC "surface_at_image_edge"; the corneum is then cut by
//     the edge). That edge is the one whose depth profile of the epidermis
//     feature (mean over tissue in 10 µm strips parallel to it; silver: the
//     ground above) peaks highest within 200 µm of it above its median
//     level 200–500 µm deep (the dermis). When the palest part of the
//     profile between the edge and the peak is under 0.7× the dermal
//     level, what lies between the edge and the first tissue denser than
//     midway between the two is glass too (glass the zero of OD missed,
//     when brighter adipocyte interiors set it). A stretch of surface must
//     be at least 200 µm and twice the smoothing long, or half the image's
//     shorter side in a narrow view.
//   - Labels by appearance: the local mean of the summed OD capped at the
//     tissue median (σ = 6 µm) splits into two Otsu classes; the dense one,
//     opened by 8 µm and kept in sheets of at least 60 µm square, is a
//     cellular sheet (epidermis). It labels the section when the position
//     from the glass found no measurable epidermis (fewer than 3 normals or
//     < 0.5 % of the tissue), or only a sliver (< 2 %) beside a sheet many
//     times larger that is not most of the tissue.
//
// # Thickness
//
// The skin surface is the longest stretch of the tissue outline that lies
// within 60 µm of the epidermis. It is smoothed by a moving average over
// ±2 epidermal thicknesses and sampled every IntervalUM (default 50 µm) of
// arc length; ends closer than one epidermal thickness are skipped. At each
// sample the unit normal n = (−t_y, t_x) of the local tangent t, oriented
// into the tissue, is followed in 0.5 px steps:
//
//	stratum corneum = stained length between s0 and e0 (tissue surface s0
//	                  to first epidermis e0; a cleft under a lifted corneum
//	                  does not count)
//	epidermis       = e1 − e0   (e1: DEJ, start of a sustained non-epidermis run)
//	dermis          = h0 − e1   (h0: first hypodermis, or the tissue end)
//
// The DEJ found from the smoothed mask lies too deep, because the dark
// basal row right above it is smeared into the dermis; e1 is moved to the
// steepest fall of the smoothed feature within ±6 µm, which is the edge
// itself whatever the profile's shape. With the H&E sheet, e1 first goes
// up to just below the last dense (basal) pixel: at most a quarter of the
// band back, or further while the normal stays in the sheet's margin
// (≤ 20 µm from its edge: a normal running down a rete ridge's flank).
// The sheet follows nuclei and starts late under nucleus-free upper
// layers: e0 then goes up while the tissue's H/(H+E) is nearer the
// keratinocyte cytoplasm's (the sheet's lower quartile) than the
// corneum's (the outermost 4 µm of tissue), when the two differ by at
// least 0.05. The epidermal statistics leave out
// measurements more than 2× or less than 0.4× the median (normals running
// down a follicle or crossing a kink of the surface); they stay in
// Result.Measurements.
//
// Epidermal thickness therefore excludes the stratum corneum (reported
// separately, when present on most of the surface). With rete ridges the
// value is the mean over ridges and papillae along the surface, as
// pathologists measure it: each normal runs from the top of the living
// epidermis to the DEJ, through a ridge where it crosses one. When most
// normals end at the tissue edge or at the image border instead of in fat,
// the dermal thickness is a lower bound (QC "dermis_lower_bound"). The
// dermis is the mean over the normals that reached fat when most did;
// when fat is in view but a tilted or narrow view lets most normals leave
// the image first, over those (at least two) that ended inside it.
//
// Plausibility: QC "implausible" when the dermis is thinner than the
// epidermis (and not a lower bound) or under 100 µm, the epidermis under
// 20 µm (fewer than about three cell layers: the band was barely found)
// or over 400 µm, or any layer over 5 mm. Inputs with 2–16 distinct colours are
// masks or label images and are refused (ErrLabelImage); numeric options
// outside 0.01–100 µm/px and 1 µm–10 mm intervals are refused
// (ErrBadOption); MeasureContext stops when its context is cancelled.
// The overlay carries a legend and a scale bar.
//
// Each layer reports mean, SD (n−1), median, min, max and n. Thicknesses
// are in µm when a pixel size is known (Options.PixelSizeUM or the image
// calibration), otherwise in input pixels with QC "no_calibration".
//
// # Fibres and nuclei
//
// H&E: collagen area fraction = stained dermal pixels whose eosin amount
// exceeds their haematoxylin amount ÷ dermal area. Silver: argyrophilic
// fibre fraction = dermal pixels darker (total OD) than max(Otsu, 1.5 ×
// median) ÷ dermal area. Dermal nuclei are compact dark blobs 2–8 µm in
// radius; density = count ÷ dermal area (mm²).
//
// Masson's trichrome: CollagenMask / CollagenFraction unmix methyl blue and
// ponceau-fuchsin (Ruifrok & Johnston vectors as in ImageJ's Colour
// Deconvolution) and call a stained pixel collagen when blue carries at
// least 3× the fuchsin density and 40 % of the total.
//
// Speed: a 2000×1500 section takes about 0.5–0.7 s of CPU
// (BenchmarkAnalyse2000x1500, cpu-s/op); all maps are at working
// resolution, and only the overlay and label image are drawn at full size.
//
// References: A. C. Ruifrok, D. A. Johnston, "Quantification of
// histochemical staining by color deconvolution", Anal Quant Cytol Histol
// 23:291–299 (2001). M. Macenko et al., "A method for normalizing histology
// slides for quantitative analysis", IEEE ISBI 2009, 1107–1110. N. Otsu, "A threshold selection method from gray-level
// histograms", IEEE SMC 9:62–66 (1979).
package dermis
