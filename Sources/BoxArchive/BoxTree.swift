import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creates files, folders and links strictly beneath one folder. Every path is walked one
/// component at a time with `openat(O_NOFOLLOW | O_DIRECTORY)` from a descriptor of the root, so
/// no link is ever followed while a box is unpacked — whatever the bookkeeping above believes, and
/// whatever the root's own path contains (macOS's /tmp is itself a link).
final class BoxTree {
    struct Failure: Error {
        let code: Int32
        let path: String
    }

    private let rootDescriptor: Int32

    init(root: String) throws(Failure) {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(code: errno, path: root) }
        rootDescriptor = fd
    }

    deinit {
        close(rootDescriptor)
    }

    func makeDirectory(_ path: String) throws(Failure) {
        try withParent(of: path) { (parent, name) throws(Failure) in
            if mkdirat(parent, name, 0o755) == 0 { return }
            let code = errno
            // An existing folder is fine (tar lists folders more than once); anything else is not.
            var info = stat()
            guard code == EEXIST, fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw Failure(code: code, path: path)
            }
        }
    }

    func makeSymlink(_ path: String, target: String) throws(Failure) {
        try withParent(of: path) { (parent, name) throws(Failure) in
            guard symlinkat(target, parent, name) == 0 else { throw Failure(code: errno, path: path) }
        }
    }

    /// Links `path` to the regular file `target`; refuses a target that is anything else.
    func makeHardLink(_ path: String, to target: String) throws(Failure) {
        try withParent(of: target) { (targetParent, targetName) throws(Failure) in
            var info = stat()
            guard fstatat(targetParent, targetName, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw Failure(code: errno, path: target) }
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw Failure(code: EPERM, path: target) }
            try withParent(of: path) { (parent, name) throws(Failure) in
                // Flags 0: a link to the file itself, never through a symbolic link.
                guard linkat(targetParent, targetName, parent, name, 0) == 0 else { throw Failure(code: errno, path: path) }
            }
        }
    }

    /// Creates a new regular file and returns its descriptor (the caller closes it).
    func createFile(_ path: String, permissions: mode_t) throws(Failure) -> Int32 {
        try withParent(of: path) { (parent, name) throws(Failure) -> Int32 in
            let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
            guard fd >= 0 else { throw Failure(code: errno, path: path) }
            fchmod(fd, permissions)
            return fd
        }
    }

    /// Runs `body` with a descriptor of the folder that holds `path`'s last component, creating
    /// missing folders on the way and refusing to pass through links or files.
    private func withParent<T>(of path: String, _ body: (Int32, String) throws(Failure) -> T) throws(Failure) -> T {
        let components = path.split(separator: "/").map(String.init)
        guard let name = components.last else { throw Failure(code: EINVAL, path: path) }
        var current = dup(rootDescriptor)
        guard current >= 0 else { throw Failure(code: errno, path: path) }
        defer { close(current) }
        for component in components.dropLast() {
            if mkdirat(current, component, 0o755) != 0, errno != EEXIST {
                throw Failure(code: errno, path: path)
            }
            let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw Failure(code: errno, path: path) }
            close(current)
            current = next
        }
        return try body(current, name)
    }
}
