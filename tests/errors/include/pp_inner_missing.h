/* includes a header that does not exist */
#include <no_such_header.h>
