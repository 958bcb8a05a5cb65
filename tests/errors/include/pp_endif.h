#ifdef X
struct a { int b; };
