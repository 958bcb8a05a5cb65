/* Layout attributes: tests/e2e/pp_layout.test compares scry's sizeof and offsetof of these with
   gcc's, computed when the test runs. */
#ifndef PP_LAYOUT_H
#define PP_LAYOUT_H
typedef unsigned int u32_t;
struct __attribute__((packed)) pk1 { char c; int i; short s; };
struct pk2 { char c; long l; } __attribute__((__packed__));
struct al1 { char c; int i __attribute__((aligned(16))); char d; };
struct al2 { char c; } __attribute__((aligned(8)));
struct mix { char c; __attribute__((aligned(4))) char d, e; u32_t u __attribute__((packed)); long l __attribute__((packed, aligned(2))); };
struct pbits { unsigned a : 3; unsigned b : 30; char c; } __attribute__((packed));
struct nest { char c; struct pk1 p; struct al2 a; };
typedef struct __attribute__((aligned(sizeof(long) * 4))) { char c; } big_t;
struct bare { char c __attribute__((aligned)); };
#endif
