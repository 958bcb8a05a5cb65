/* Declarations the reader must lay out as gcc does: tests/e2e/pp_types.test checks sizeof and offsetof
   against the values gcc gives for this file. */
#ifndef T_H
#define T_H
#define NBUF 4
struct pt { int x, y; };
typedef struct pt pt_t;
typedef unsigned long long u64_t;
union u { char c[NBUF * 2]; long l; };
enum color { RED, GREEN = 5, BLUE, MASK = 1 << 3 };
struct bits { unsigned a : 3, b : 5; unsigned int c : 30; char d; int : 0; short e; };
struct outer { struct pt p; union { int i; char ch; }; struct inner { short s; } in; pt_t *next; void (*fn)(int, char *); int arr[NBUF][2]; char tail[sizeof(struct pt) + 1]; };
static inline int helper(int a) { return a + 1; }
extern int proto(const char *restrict s, ...) __attribute__((nonnull(1)));
typedef int (*cb_t)(void *);
__extension__ typedef long long ll_t;
#endif
