#ifdef __cplusplus
extern "C" {
#endif
void hc_set_num_threads(int n);
int hc_get_num_threads(void);
int hc_malloc_arena_cap(void);
#ifdef __cplusplus
}
#endif
