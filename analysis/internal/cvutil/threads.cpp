#include <opencv2/core.hpp>
#include "threads.h"

// gocv v0.31 does not bind cv::setNumThreads; this is the whole binding.
void hc_set_num_threads(int n) { cv::setNumThreads(n); }
int hc_get_num_threads(void) { return cv::getNumThreads(); }
