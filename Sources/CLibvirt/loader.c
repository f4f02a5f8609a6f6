#define _GNU_SOURCE
#include "CLibvirt.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static boxer_libvirt_api loaded;
static const boxer_libvirt_api *result;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

// libvirt prints every error to stderr unless told otherwise; boxer reports them itself.
static void quiet(void *opaque, virErrorPtr error) { (void)opaque; (void)error; }

// libvirt's default event loop, run for as long as boxer runs: it delivers domain events and
// sends the keepalive messages that tell a remote host that stopped answering from a slow one.
static void *run_events(void *unused) {
    (void)unused;
    for (;;) {
        if (loaded.virEventRunDefaultImpl() < 0) usleep(100000);
    }
    return NULL;
}

static void load(void) {
    void *library = dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(failure, sizeof failure, "%s", dlerror());
        return;
    }
#define BOXER_LIBVIRT_LOAD(name)                                                    \
    loaded.name = (__typeof__(name) *)dlsym(library, #name);                        \
    if (loaded.name == NULL) {                                                      \
        snprintf(failure, sizeof failure, "libvirt.so.0 has no %s", #name);         \
        return;                                                                     \
    }
    BOXER_LIBVIRT_FUNCTIONS(BOXER_LIBVIRT_LOAD)
#undef BOXER_LIBVIRT_LOAD
    if (loaded.virInitialize() < 0) {
        snprintf(failure, sizeof failure, "virInitialize failed");
        return;
    }
    loaded.virSetErrorFunc(NULL, quiet);
    // Before any connection is opened: connections take the event loop registered at open.
    if (loaded.virEventRegisterDefaultImpl() < 0) {
        snprintf(failure, sizeof failure, "libvirt could not make its event loop");
        return;
    }
    pthread_attr_t attributes;
    pthread_t thread;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int started = pthread_create(&thread, &attributes, run_events, NULL);
    pthread_attr_destroy(&attributes);
    if (started != 0) {
        snprintf(failure, sizeof failure, "could not start libvirt's event thread: %s", strerror(started));
        return;
    }
    result = &loaded;
}

const boxer_libvirt_api *boxer_libvirt_load(char *error, size_t error_size) {
    pthread_once(&once, load);
    if (result == NULL && error != NULL && error_size > 0) snprintf(error, error_size, "%s", failure);
    return result;
}

struct upload_source {
    int fd;
    volatile int *cancel;
    long long *sent;
};

static int read_data(virStreamPtr stream, char *data, size_t bytes, void *opaque) {
    (void)stream;
    struct upload_source *source = opaque;
    if (*source->cancel) return -1;
    ssize_t count;
    do { count = read(source->fd, data, bytes); } while (count < 0 && errno == EINTR);
    if (count > 0) *source->sent += count;
    return (int)count;
}

// Where the file's current section (data or hole) ends, as virsh's virshStreamInData finds it.
static int in_data(virStreamPtr stream, int *data, long long *length, void *opaque) {
    (void)stream;
    struct upload_source *source = opaque;
    if (*source->cancel) return -1;
    off_t here = lseek(source->fd, 0, SEEK_CUR);
    if (here < 0) return -1;
    off_t next_data = lseek(source->fd, here, SEEK_DATA);
    if (next_data < 0) {
        if (errno != ENXIO) return -1;
        // Past the last data: a hole to the end, or the end itself.
        off_t end = lseek(source->fd, 0, SEEK_END);
        if (end < 0 || lseek(source->fd, here, SEEK_SET) < 0) return -1;
        *data = 0;
        *length = end - here;
        return 0;
    }
    if (next_data > here) {
        *data = 0;
        *length = next_data - here;
    } else {
        off_t next_hole = lseek(source->fd, here, SEEK_HOLE);
        if (next_hole < 0) return -1;
        *data = 1;
        *length = next_hole - here;
    }
    return lseek(source->fd, here, SEEK_SET) < 0 ? -1 : 0;
}

static int skip_hole(virStreamPtr stream, long long length, void *opaque) {
    (void)stream;
    struct upload_source *source = opaque;
    if (*source->cancel) return -1;
    return lseek(source->fd, length, SEEK_CUR) < 0 ? -1 : 0;
}

int boxer_libvirt_upload(const boxer_libvirt_api *api, virConnectPtr connection, virStorageVolPtr volume,
                         const char *path, volatile int *cancel, long long *sent) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    off_t size = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    virStreamPtr stream = api->virStreamNew(connection, 0);
    if (stream == NULL) {
        close(fd);
        return -1;
    }
    struct upload_source source = {fd, cancel, sent};
    int status = api->virStorageVolUpload(volume, stream, 0, (unsigned long long)size, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM);
    if (status == 0) status = api->virStreamSparseSendAll(stream, read_data, in_data, skip_hole, &source);
    // On failure virStreamSparseSendAll has aborted the stream itself (and set the error).
    if (status == 0) status = api->virStreamFinish(stream);
    api->virStreamFree(stream);
    close(fd);
    return status;
}

struct download_target {
    int fd;
    volatile int *cancel;
};

static int write_data(virStreamPtr stream, const char *data, size_t bytes, void *opaque) {
    (void)stream;
    struct download_target *target = opaque;
    if (*target->cancel) return -1;
    size_t done = 0;
    while (done < bytes) {
        ssize_t count = write(target->fd, data + done, bytes - done);
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) return -1;
        done += (size_t)count;
    }
    return (int)bytes;
}

// A hole: the file is extended past it without writing, so it stays sparse.
static int write_hole(virStreamPtr stream, long long length, void *opaque) {
    (void)stream;
    struct download_target *target = opaque;
    if (*target->cancel) return -1;
    off_t end = lseek(target->fd, length, SEEK_CUR);
    if (end < 0) return -1;
    return ftruncate(target->fd, end);
}

int boxer_libvirt_download(const boxer_libvirt_api *api, virConnectPtr connection, virStorageVolPtr volume,
                           const char *path, volatile int *cancel) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    virStreamPtr stream = api->virStreamNew(connection, 0);
    if (stream == NULL) {
        close(fd);
        return -1;
    }
    struct download_target target = {fd, cancel};
    int status = api->virStorageVolDownload(volume, stream, 0, 0, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM);
    if (status == 0) status = api->virStreamSparseRecvAll(stream, write_data, write_hole, &target);
    if (status == 0) status = api->virStreamFinish(stream);
    api->virStreamFree(stream);
    if (close(fd) != 0) status = -1;
    return status;
}

struct lifecycle_watch {
    boxer_libvirt_lifecycle_notify notify;
    void *context;
    void (*release)(void *);
};

static int on_lifecycle(virConnectPtr connection, virDomainPtr domain, int event, int detail, void *opaque) {
    (void)connection;
    (void)domain;
    struct lifecycle_watch *watch = opaque;
    watch->notify(watch->context, event, detail);
    return 0;
}

static void end_watch(void *opaque) {
    struct lifecycle_watch *watch = opaque;
    if (watch->release != NULL) watch->release(watch->context);
    free(watch);
}

int boxer_libvirt_watch_lifecycle(const boxer_libvirt_api *api, virConnectPtr connection, virDomainPtr domain,
                                  boxer_libvirt_lifecycle_notify notify, void *context, void (*release)(void *)) {
    struct lifecycle_watch *watch = malloc(sizeof *watch);
    if (watch == NULL) return -1;
    watch->notify = notify;
    watch->context = context;
    watch->release = release;
    int id = api->virConnectDomainEventRegisterAny(connection, domain, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                   VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), watch, end_watch);
    // libvirt calls end_watch only for a watch it registered.
    if (id < 0) free(watch);
    return id;
}
