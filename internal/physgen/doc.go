// Package physgen renders synthetic microscope and plate images from a
// physical description of the specimen (sizes in µm or mm, optical
// transmission, stain absorbance, fluorescence), with exact truth.
//
// It is written independently of the analysis code so that its images do
// not share that code's assumptions. One subpackage per image kind:
//
//   - chamber: Neubauer-improved haemocytometer fields, trypan blue
//   - sections: skin sections (H&E, silver), layer label masks, thickness
//   - plates: agar plates (webcam) and crystal-violet dishes, CFE
//   - twochannel: DAPI + proliferation-marker fluorescence pairs
//   - dapi: BBBC002-like Drosophila Kc167 DAPI nuclei fields
//   - kc167: a second, separately written renderer of Kc167 DAPI fields
//     (granular chromatin, cell cycle, apoptotic fragments, debris, haze)
//   - mitosis: mitotic figures and apoptotic cells for dapi and
//     twochannel (Options.Mitotic; the CLI's -mitotic, default 0.08)
//
// Every generator is deterministic from (seed, image index) and
// domain-randomised across images. Package raster holds the shared
// float image buffer, optics (blur, vignetting), noise and encoders.
package physgen
