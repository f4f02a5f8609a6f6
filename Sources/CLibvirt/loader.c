#define _GNU_SOURCE
#include "CLibvirt.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static boxer_libvirt_api loaded;
static const boxer_libvirt_api *result;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

// libvirt prints every error to stderr unless told otherwise; boxer reports them itself.
static void quiet(void *opaque, virErrorPtr error) { (void)opaque; (void)error; }

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
