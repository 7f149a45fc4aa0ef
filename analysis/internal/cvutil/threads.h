#ifdef __cplusplus
extern "C" {
#endif
void hc_set_num_threads(int n);
int hc_get_num_threads(void);
#ifdef __cplusplus
}
#endif
