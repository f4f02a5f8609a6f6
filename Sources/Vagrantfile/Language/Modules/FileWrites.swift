import BoxerSupport
import Foundation

/// What a Vagrantfile writes on the host, as Ruby writes it: `File.write`, `File.open(path, "w")`,
/// `File.delete`, `FileUtils.mkdir_p/cp/rm_f/...`. Only when host effects are performed.
enum FileWrites {
    /// `File.write`, `File.open`, `File.delete`, ...; nil for a method that is not a write.
    static func file(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value? {
        let args = try arguments.positional.map { try interpreter.stringify($0, at: location) }
        let path = args.first.map { FileModule.resolve($0, interpreter: interpreter) } ?? ""
        switch method {
        case "write":
            try HostCommands.checkAllowed("File.write", interpreter: interpreter, at: location)
            let text = args.count > 1 ? args[1] : ""
            try write(text, to: path, append: false, interpreter: interpreter, at: location)
            return .int(text.utf8.count)
        case "open", "new":
            let mode = args.count > 1 ? args[1] : "r"
            if mode.hasPrefix("r") && !mode.contains("+") {
                let handle = OpenFile(path: path, text: try FileModule.readText(args.first ?? "", interpreter: interpreter, at: location))
                guard let block = arguments.block else { return .object(handle) }
                return try interpreter.callClosure(block, [.object(handle)], at: location)
            }
            try HostCommands.checkAllowed("File.open(..., \"\(mode)\")", interpreter: interpreter, at: location)
            let handle = OpenFile(path: path, text: "", appending: mode.hasPrefix("a"), writable: true)
            guard let block = arguments.block else { return .object(handle) }
            let value: Value
            do {
                value = try interpreter.callClosure(block, [.object(handle)], at: location)
            } catch {
                try? handle.close(interpreter: interpreter, at: location)
                throw error
            }
            // Closed here, so that a write that fails (a missing folder) raises as in Ruby.
            try handle.close(interpreter: interpreter, at: location)
            return value
        case "delete", "unlink":
            try HostCommands.checkAllowed("File.\(method)", interpreter: interpreter, at: location)
            for name in args {
                let path = FileModule.resolve(name, interpreter: interpreter)
                if let failure = FileWrites.remove(path, recursive: false) {
                    throw interpreter.error("\(failure) @ apply2files - \(name)", at: location, className: "SystemCallError")
                }
            }
            return .int(args.count)
        case "rename":
            try HostCommands.checkAllowed("File.rename", interpreter: interpreter, at: location)
            guard args.count == 2 else { throw interpreter.error("File.rename needs two paths", at: location, className: "ArgumentError") }
            guard Foundation.rename(path, FileModule.resolve(args[1], interpreter: interpreter)) == 0 else {
                throw interpreter.error(
                    "\(String(cString: strerror(errno))) @ rb_file_s_rename - \(args[0])", at: location, className: "SystemCallError")
            }
            return .int(0)
        case "chmod":
            try HostCommands.checkAllowed("File.chmod", interpreter: interpreter, at: location)
            guard case .int(let mode)? = arguments.positional.first else { return .int(0) }
            for name in args.dropFirst() { chmod(FileModule.resolve(name, interpreter: interpreter), mode_t(truncatingIfNeeded: mode)) }
            return .int(args.count - 1)
        case "symlink":
            try HostCommands.checkAllowed("File.symlink", interpreter: interpreter, at: location)
            guard args.count == 2 else { throw interpreter.error("File.symlink needs two paths", at: location, className: "ArgumentError") }
            guard Foundation.symlink(args[0], FileModule.resolve(args[1], interpreter: interpreter)) == 0 else {
                throw interpreter.error(
                    "\(String(cString: strerror(errno))) @ rb_file_s_symlink - \(args[1])", at: location, className: "SystemCallError")
            }
            return .int(0)
        default:
            return nil
        }
    }

    static func write(_ text: String, to path: String, append: Bool, interpreter: Interpreter, at location: SourceLocation) throws {
        let data = Data(text.utf8)
        if append, let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try perform("write", path) { try handle.write(contentsOf: data) }
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw interpreter.error("No such file or directory @ rb_sysopen - \(path)", at: location, className: "Errno::ENOENT")
        }
    }

    /// Runs a file operation, its failure raised as Ruby's SystemCallError would be.
    /// Removes a path as Ruby does: a symbolic link itself, never what it points to (Foundation's
    /// removeItem went into a linked folder and emptied it); a folder only when `recursive`, its
    /// own links again removed, not followed. Nil when done, else what went wrong.
    static func remove(_ path: String, recursive: Bool) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return String(cString: strerror(errno)) }
        if status.st_mode & S_IFMT != S_IFDIR {
            return unlink(path) == 0 ? nil : String(cString: strerror(errno))
        }
        guard recursive else { return String(cString: strerror(EISDIR)) }
        for entry in HostFiles.entries(of: path) where entry != "." && entry != ".." {
            if let failure = remove(path + "/" + entry, recursive: true) { return failure }
        }
        return rmdir(path) == 0 ? nil : String(cString: strerror(errno))
    }

    static func perform(_ what: String, _ path: String, _ body: () throws -> Void) throws {
        do { try body() } catch {
            throw RubyError(
                "cannot \(what) \(path): \(error.localizedDescription)", at: SourceLocation(file: path, line: 0, column: 0),
                className: "SystemCallError")
        }
    }
}

/// A file opened by `File.open`: read from, or written when closed (at the end of its block).
final class OpenFile: RubyObject {
    let path: String
    private var text: String
    private let appending: Bool
    private let writable: Bool
    private var closed = false

    init(path: String, text: String, appending: Bool = false, writable: Bool = false) {
        self.path = path
        self.text = text
        self.appending = appending
        self.writable = writable
    }

    var typeName: String { "File" }

    func close(interpreter: Interpreter, at location: SourceLocation) throws {
        guard writable, !closed else { return }
        closed = true
        try FileWrites.write(text, to: path, append: appending, interpreter: interpreter, at: location)
    }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "puts", "print", "write", "<<":
            let printed =
                name == "write" || name == "<<"
                ? try arguments.positional.map { try interpreter.stringify($0, at: location) }.joined()
                : try Kernel.printed(name, arguments.positional, interpreter: interpreter, at: location)
            text += printed
            return name == "<<" ? .object(self) : .null
        case "read": return .string(text)
        case "readlines", "each_line", "each":
            let trimmed = FileModule.lines(of: text).map(Value.string)
            guard let block = arguments.block, name != "readlines" else { return .array(trimmed) }
            for line in trimmed { _ = try interpreter.callClosure(block, [line], at: location) }
            return .object(self)
        case "close":
            try close(interpreter: interpreter, at: location)
            return .null
        case "path", "to_path": return .string(path)
        case "flush", "sync=": return .object(self)
        default:
            throw interpreter.error("undefined method '\(name)' for an instance of File", at: location, className: "NoMethodError")
        }
    }
}

/// `FileUtils.mkdir_p`, `cp`, `mv`, `rm`, `rm_f`, `rm_rf`, `touch`, `ln_s`.
final class FileUtilsModule: RubyObject {
    var typeName: String { "Module" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        try HostCommands.checkAllowed("FileUtils.\(name)", interpreter: interpreter, at: location)
        let paths = try arguments.positional.flatMap { value -> [String] in
            if case .array(let box) = value { return try box.items.map { try interpreter.stringify($0, at: location) } }
            return [try interpreter.stringify(value, at: location)]
        }.map { FileModule.resolve($0, interpreter: interpreter) }
        let files = FileManager.default
        switch name {
        case "mkdir_p", "makedirs", "mkpath", "mkdir":
            for path in paths {
                try FileWrites.perform("create", path) {
                    try files.createDirectory(atPath: path, withIntermediateDirectories: name != "mkdir")
                }
            }
        case "rm", "rm_f", "rm_r", "rm_rf", "remove", "rmtree", "remove_dir", "rmdir":
            // As Ruby's: links are removed themselves (a dangling one too), folders only by the
            // recursive forms (and rmdir when empty), and the _f forms say nothing of failures.
            let recursive = ["rm_r", "rm_rf", "rmtree", "remove_dir"].contains(name)
            let quiet = ["rm_f", "rm_rf", "rmtree"].contains(name)
            for path in paths {
                let failure =
                    name == "rmdir"
                    ? (Foundation.rmdir(path) == 0 ? nil : String(cString: strerror(errno)))
                    : FileWrites.remove(path, recursive: recursive)
                if let failure, !quiet {
                    throw interpreter.error("\(failure) @ \(name) - \(path)", at: location, className: "SystemCallError")
                }
            }
        case "touch":
            for path in paths where !files.fileExists(atPath: path) { _ = files.createFile(atPath: path, contents: nil) }
        case "cp", "copy", "cp_r", "mv", "move", "ln_s", "ln_sf":
            guard paths.count == 2 else {
                throw interpreter.error("FileUtils.\(name) needs two paths", at: location, className: "ArgumentError")
            }
            var target = paths[1]
            var isFolder: ObjCBool = false
            if files.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
                target += "/" + (paths[0] as NSString).lastPathComponent
            }
            if name == "ln_sf" || ((name == "cp" || name == "cp_r") && files.fileExists(atPath: target)) {
                _ = FileWrites.remove(target, recursive: false)
            }
            try FileWrites.perform(name, target) {
                switch name {
                case "mv", "move": try files.moveItem(atPath: paths[0], toPath: target)
                case "ln_s", "ln_sf": try files.createSymbolicLink(atPath: target, withDestinationPath: paths[0])
                default: try files.copyItem(atPath: paths[0], toPath: target)
                }
            }
        default:
            throw interpreter.error("undefined method '\(name)' for FileUtils", at: location, className: "NoMethodError")
        }
        return .null
    }
}
