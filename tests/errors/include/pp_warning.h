/* a warning of a header names it and the script line that included it */
#warning A is not for production
#define A 1
