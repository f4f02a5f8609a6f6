#ifndef BOXER_CLIBVIRT_H
#define BOXER_CLIBVIRT_H
// The libvirt C API, loaded when boxer first talks to libvirt rather than linked: libvirt.so
// brings in some thirty libraries, which cost every boxer command about 10 ms and 12 MiB
// before it does anything, libvirt or not. The types and the function signatures are
// libvirt's own headers' (Debian's libvirt-dev), so every call is checked by the compiler.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stddef.h>

#define BOXER_LIBVIRT_FUNCTIONS(X) \
    X(virInitialize) \
    X(virSetErrorFunc) \
    X(virGetLastError) \
    X(virResetLastError) \
    X(virConnectOpen) \
    X(virConnectClose) \
    X(virConnectGetCapabilities) \
    X(virConnectGetDomainCapabilities) \
    X(virConnectIsAlive) \
    X(virEventRegisterDefaultImpl) \
    X(virEventRunDefaultImpl) \
    X(virConnectDomainEventRegisterAny) \
    X(virConnectDomainEventDeregisterAny) \
    X(virConnectGetLibVersion) \
    X(virNodeGetFreeMemory) \
    X(virStoragePoolLookupByName) \
    X(virStoragePoolDefineXML) \
    X(virStoragePoolBuild) \
    X(virStoragePoolCreate) \
    X(virStoragePoolSetAutostart) \
    X(virStoragePoolIsActive) \
    X(virStoragePoolRefresh) \
    X(virStoragePoolFree) \
    X(virStoragePoolListAllVolumes) \
    X(virStorageVolLookupByName) \
    X(virStorageVolCreateXML) \
    X(virStorageVolCreateXMLFrom) \
    X(virStorageVolUpload) \
    X(virStorageVolDownload) \
    X(virStorageVolDelete) \
    X(virStorageVolGetPath) \
    X(virStorageVolGetName) \
    X(virStorageVolGetInfo) \
    X(virStorageVolFree) \
    X(virStreamNew) \
    X(virStreamFinish) \
    X(virStreamFree) \
    X(virStreamSparseSendAll) \
    X(virStreamSparseRecvAll) \
    X(virDomainDefineXML) \
    X(virDomainCreate) \
    X(virDomainLookupByUUIDString) \
    X(virDomainGetName) \
    X(virDomainGetState) \
    X(virDomainGetXMLDesc) \
    X(virDomainShutdown) \
    X(virDomainDestroy) \
    X(virDomainUndefineFlags) \
    X(virDomainSuspend) \
    X(virDomainResume) \
    X(virDomainFree) \
    X(virDomainSnapshotCreateXML) \
    X(virDomainListAllSnapshots) \
    X(virDomainSnapshotLookupByName) \
    X(virDomainSnapshotGetName) \
    X(virDomainSnapshotGetXMLDesc) \
    X(virDomainRevertToSnapshot) \
    X(virDomainSnapshotDelete) \
    X(virDomainSnapshotFree)

#define BOXER_LIBVIRT_FIELD(name) __typeof__(name) *name;
typedef struct boxer_libvirt_api {
    BOXER_LIBVIRT_FUNCTIONS(BOXER_LIBVIRT_FIELD)
} boxer_libvirt_api;
#undef BOXER_LIBVIRT_FIELD

/// Loads libvirt.so.0 once and returns its functions, or NULL with dlerror()'s text copied into
/// `error`. Safe to call from any thread.
const boxer_libvirt_api *boxer_libvirt_load(char *error, size_t error_size);

/// Uploads `path` into `volume` as a sparse stream (holes are skipped, as `virsh vol-upload
/// --sparse` does). Returns 0, or -1 with libvirt's error set; stops with -1 as soon as
/// `*cancel` is non-zero.
int boxer_libvirt_upload(const boxer_libvirt_api *api, virConnectPtr connection, virStorageVolPtr volume,
                         const char *path, volatile int *cancel, long long *sent);

/// Downloads `volume` into a new file at `path` as a sparse stream (holes stay holes, as
/// `virsh vol-download --sparse` does). Returns 0, or -1 with libvirt's error set (or errno for
/// the local file); stops with -1 as soon as `*cancel` is non-zero.
int boxer_libvirt_download(const boxer_libvirt_api *api, virConnectPtr connection, virStorageVolPtr volume,
                           const char *path, volatile int *cancel);

/// Called on libvirt's event thread for each lifecycle event of a watched domain
/// (`virDomainEventType` and its detail).
typedef void (*boxer_libvirt_lifecycle_notify)(void *context, int event, int detail);

/// Watches `domain`'s lifecycle events (started, suspended, stopped…) on libvirt's event loop,
/// which `boxer_libvirt_load` runs on a thread of its own. Returns the callback id for
/// `virConnectDomainEventDeregisterAny`, or -1 with libvirt's error set. `release(context)` is
/// called once the watch is deregistered (never when registering fails: then the caller keeps
/// `context`).
int boxer_libvirt_watch_lifecycle(const boxer_libvirt_api *api, virConnectPtr connection, virDomainPtr domain,
                                  boxer_libvirt_lifecycle_notify notify, void *context, void (*release)(void *));

#endif
