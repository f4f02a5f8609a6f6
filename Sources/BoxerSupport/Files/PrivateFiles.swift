#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Folders and files that only their owner may read or change, whatever the umask: boxer's
/// state decides what it deletes, kills and connects to, so another local user must not be able
/// to plant or change any of it. Folders are 0700 and files 0600 unless a caller says otherwise;
/// modes are set with `chmod` after creation because `mkdir`/`open` apply the umask.
public enum PrivateFiles {
    public struct Failure: BoxerError, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "cannot create \(path): \(reason)" }
        public var kindName: String { "PrivateFiles.Failure" }
    }

    /// Creates `path` and any missing folders above it with `mode`. Folders that exist keep
    /// their mode. A path component that is not a folder fails.
    public static func makeFolders(_ path: String, mode: mode_t = 0o700) throws(Failure) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) == 0 {
                chmod(prefix, mode)
                continue
            }
            let code = errno
            guard code == EEXIST else { throw Failure(path: prefix, reason: String(cString: strerror(code))) }
            guard HostFiles.kind(of: prefix) == .directory else { throw Failure(path: prefix, reason: "it exists and is not a folder") }
        }
    }

    /// Writes `bytes` whole under `path`: a temporary file in the same folder (created
    /// exclusively, never following a link), `mode` set, synced, then renamed over `path`, so a
    /// reader sees the old content or the new, never half, and a crash leaves no partial file.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(Failure) {
        var random = SystemRandomNumberGenerator()
        let temporary = path + ".tmp-\(getpid())-\(random.next() & 0xffff_ffff)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        fchmod(descriptor, mode)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            offset += written
        }
        if failure == 0 && fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw Failure(path: path, reason: String(cString: strerror(failure)))
        }
    }

    public static func writeAtomically(_ path: String, _ text: String, mode: mode_t = 0o600) throws(Failure) {
        try writeAtomically(path, Array(text.utf8), mode: mode)
    }

    /// A folder in a shared place (/tmp) that must be this user's alone: created 0700 if
    /// missing, else accepted only when it is a real folder (not a link), owned by this user and
    /// closed to others. Another user who made it first cannot make boxer use it.
    public static func ownedFolder(_ path: String) throws(Failure) {
        if mkdir(path, 0o700) == 0 {
            chmod(path, 0o700)
        } else if errno != EEXIST {
            throw Failure(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw Failure(path: path, reason: "it is not a folder (a link or file is in its place); remove it")
        }
        guard status.st_uid == getuid() else {
            throw Failure(
                path: path,
                reason:
                    "it belongs to user \(status.st_uid), not to this user (\(getuid())); another user may have made it to intercept boxer's sockets. Remove it, or set BOXER_RUNTIME_DIR to a folder of your own"
            )
        }
        // Ours but open to others (made by an older boxer under the umask): closed now, and
        // checked again, so nothing another user may have put there is trusted in between.
        if status.st_mode & 0o077 != 0 {
            guard chmod(path, 0o700) == 0, lstat(path, &status) == 0, status.st_mode & 0o077 == 0 else {
                throw Failure(
                    path: path,
                    reason: "other users can open it (mode \(String(status.st_mode & 0o777, radix: 8))); run `chmod 700 \(path)`")
            }
        }
    }
}
