#ifndef BOXER_CLIBARCHIVE_SHIM_H
#define BOXER_CLIBARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
