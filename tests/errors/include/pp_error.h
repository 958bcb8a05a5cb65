#ifndef PP_GUARDED_H
#define PP_GUARDED_H
#define SIZE 4
#if SIZE > 2
#error SIZE must be at most 2
#endif
#endif
