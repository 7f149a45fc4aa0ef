// ImageJ's stock nuclei count, as a technician would run it over a folder:
// 8-bit, Otsu, mask, fill holes, watershed, Analyze Particles (count masks).
// One JVM for the whole batch. Argument: "<input dir>|<output dir>".
// Writes <out>/counts.csv (image,nuclei) and <out>/labels/<stem>.tif (16-bit).
args = split(getArgument(), "|");
in = args[0];
out = args[1];
setBatchMode(true);
setOption("BlackBackground", true);
File.makeDirectory(out + "/labels");
list = getFileList(in);
csv = "image,nuclei\n";
for (i = 0; i < list.length; i++) {
	if (!endsWith(list[i], ".png"))
		continue;
	open(in + "/" + list[i]);
	run("8-bit");
	// Nuclei are the minority phase: bright on dark (fluorescence) or dark
	// on light (stained, brightfield).
	setAutoThreshold("Otsu dark");
	getThreshold(lower, upper);
	getHistogram(values, counts, 256);
	above = 0;
	for (v = lower; v < 256; v++)
		above += counts[v];
	if (above > getWidth() * getHeight() / 2)
		setAutoThreshold("Otsu");
	run("Convert to Mask");
	run("Fill Holes");
	run("Watershed");
	run("Analyze Particles...", "size=10-Infinity show=[Count Masks] clear");
	getStatistics(area, mean, min, max);
	stem = substring(list[i], 0, lengthOf(list[i]) - 4);
	saveAs("Tiff", out + "/labels/" + stem + ".tif");
	csv = csv + list[i] + "," + max + "\n";
	close("*");
}
File.saveString(csv, out + "/counts.csv");
