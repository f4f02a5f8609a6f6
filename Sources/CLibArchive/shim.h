#ifndef BOXER_CLIBARCHIVE_SHIM_H
#define BOXER_CLIBARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
// zlib, which libarchive links anyway: boxer's parallel gzip writer deflates blocks itself.
#include <zlib.h>
#endif
