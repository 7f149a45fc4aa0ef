// Package cvutil is the one bridge between plain Go images and gocv Mats,
// shared by the analysis packages. Everything that crosses it is validated
// first, because an OpenCV exception aborts the whole process.
package cvutil
