import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small, direct file-system questions for the paths every command takes (finding and reading
/// the Vagrantfile). They are plain system calls: `FileManager` and `URL` are far more machinery
/// than a `stat` needs, and `boxer status` must start in milliseconds.
public enum HostFiles {
    public enum Kind: Sendable, Equatable {
        case regular, directory, other
    }

    /// What is at `path` (following symbolic links), or nil when nothing is.
    public static func kind(of path: String) -> Kind? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    public static func exists(_ path: String) -> Bool { kind(of: path) != nil }

    public enum ReadError: Error, Sendable, Equatable {
        case missing, notRegularFile, notUTF8
        case tooLarge(limit: Int)
        case failed(errno: Int32)
    }

    /// The UTF-8 text of a regular file of at most `limit` bytes.
    public static func readText(at path: String, limit: Int) throws(ReadError) -> String {
        guard let text = String(validating: try readBytes(at: path, limit: limit), as: UTF8.self) else { throw .notUTF8 }
        return text
    }

    /// The bytes of a regular file of at most `limit` bytes. The file is opened without blocking
    /// and checked before a byte is read, so a FIFO, a device or a socket in its place fails at
    /// once instead of hanging the command (a project folder can carry any of them).
    public static func readBytes(at path: String, limit: Int) throws(ReadError) -> [UInt8] {
        let (descriptor, status) = try openRegular(path)
        defer { close(descriptor) }
        guard status.st_size <= limit else { throw .tooLarge(limit: limit) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .failed(errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else { throw .tooLarge(limit: limit) }
        }
        return bytes
    }

    /// The last `count` bytes of a regular file (opened without blocking, like `readBytes`).
    public static func readTail(at path: String, bytes count: Int) throws(ReadError) -> [UInt8] {
        let (descriptor, status) = try openRegular(path)
        defer { close(descriptor) }
        let start = max(0, Int(status.st_size) - count)
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) - start)
        var filled = 0
        while filled < bytes.count {
            let read = bytes[filled...].withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(start + filled)) }
            if read < 0 && errno == EINTR { continue }
            if read <= 0 { break }
            filled += read
        }
        return Array(bytes[0..<filled])
    }

    /// An open descriptor of the regular file at `path` and its status; the caller closes it.
    /// Opened without blocking (a FIFO's open would wait for a writer) and checked before use.
    static func openRegular(_ path: String) throws(ReadError) -> (Int32, stat) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw errno == ENOENT || errno == ENOTDIR ? .missing : .failed(errno: errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .failed(errno: code)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .notRegularFile
        }
        return (descriptor, status)
    }

    /// The folder containing `path` ("." for a bare name), as `dirname` prints it.
    public static func parent(of path: String) -> String {
        let parent = FilePath(path).removingLastComponent()
        return parent.isEmpty ? "." : parent.string
    }

    /// `path` made absolute against `base` and lexically normalized ("." and ".." resolved,
    /// repeated slashes dropped), without touching the file system.
    public static func absolute(_ path: String, relativeTo base: String) -> String {
        var result = FilePath(base)
        result.push(FilePath(path))
        result.lexicallyNormalize()
        return result.string
    }

    /// The names in a folder, without "." and "..", sorted; empty when it cannot be read.
    /// A folder of boxer's YAML data (`boxes`, `providers`): `$variable`, else `name/` in the
    /// current folder or in the nearest folder above the executable that has one (a checkout's
    /// `.build/…/boxer` finds the checkout's; an install's `share/boxer/name`). Nil when none
    /// holds a `*.yaml` file.
    /// `currentFolder: false` leaves the current folder out: programs are run from
    /// `providers/` (plugins), and a project someone cloned must not bring its own.
    public static func dataFolder(
        named name: String, variable: String, environment: [String: String], executable: String?, currentFolder: Bool = true
    ) -> String? {
        if let configured = environment[variable], !configured.isEmpty {
            return absolute(configured, relativeTo: currentDirectory())
        }
        var candidates = currentFolder ? [currentDirectory() + "/" + name] : []
        if let executable {
            var folder = parent(
                of: realpath(executable, nil).map { resolved in
                    defer { free(resolved) }
                    return String(cString: resolved)
                } ?? executable)
            for _ in 0..<6 {
                candidates.append(folder + "/" + name)
                candidates.append(folder + "/share/boxer/" + name)
                folder = parent(of: folder)
            }
        }
        return candidates.first { entries(of: $0).contains { $0.hasSuffix(".yaml") } }
    }

    /// The names in `folder`: empty when it does not exist (or is no folder), nil when it exists
    /// but cannot be listed (no permission, out of descriptors), so that a caller deciding
    /// "nothing is there" does not take an unreadable folder for an empty one.
    public static func listing(of folder: String) -> [String]? {
        guard let stream = opendir(folder) else {
            return errno == ENOENT || errno == ENOTDIR ? [] : nil
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The names in `folder`, empty when it cannot be listed.
    public static func entries(of folder: String) -> [String] { listing(of: folder) ?? [] }

    /// The process that holds a POSIX record lock (`lockf`/`fcntl`) on the file, if one does:
    /// how QEMU and boxer's network switch say they are alive through their pidfiles. A stale
    /// pidfile names no lock holder, so a recycled PID is never taken for them.
    public static func lockHolder(of path: String) -> pid_t? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var query = flock()
        query.l_type = Int16(F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        guard fcntl(descriptor, F_GETLK, &query) == 0, query.l_type != Int16(F_UNLCK) else { return nil }
        return query.l_pid
    }

    /// The current working folder.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension HostFiles.ReadError {
    /// The reason in words, for messages that already name the file.
    public var explanation: String {
        switch self {
        case .missing: "no such file"
        case .notRegularFile: "not a regular file"
        case .tooLarge(let limit): limit >= 1 << 20 ? "larger than \(limit >> 20) MiB" : "larger than \(limit) bytes"
        case .notUTF8: "not UTF-8 text"
        case .failed(let code): String(cString: strerror(code))
        }
    }
}
