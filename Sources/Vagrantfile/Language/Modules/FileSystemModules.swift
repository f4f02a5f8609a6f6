import BoxerSupport
import Foundation
import Yams

/// `ENV["X"]`, `ENV.fetch`, `ENV.key?`, `ENV["X"] = ...`: assignments are seen by the rest of the
/// program and by the commands it runs, never by boxer's own process.
final class EnvironmentObject: RubyObject {
    let environment: [String: String]
    /// The environment with the program's assignments and deletions.
    private(set) var merged: [String: String]
    init(environment: [String: String]) {
        self.environment = environment
        self.merged = environment
    }
    var typeName: String { "Object" }

    func value(_ key: String) -> String? { merged[key] }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let key = arguments.positional.first?.text ?? ""
        switch method {
        case "[]": return value(key).map { .string($0) } ?? .null
        case "fetch":
            if let found = value(key) { return .string(found) }
            if arguments.positional.count > 1 { return arguments.positional[1] }
            if let block = arguments.block { return try interpreter.callClosure(block, [.string(key)], at: location) }
            throw interpreter.error("key not found: \"\(key)\"", at: location, className: "KeyError")
        case "key?", "has_key?", "include?", "member?": return .bool(value(key) != nil)
        case "[]=", "store":
            let assigned = arguments.positional.count > 1 ? arguments.positional[1] : .null
            if case .null = assigned { merged[key] = nil } else { merged[key] = assigned.text }
            return assigned
        case "to_h", "to_hash":
            return .hash(HashBox(merged.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) }))
        case "keys": return .array(merged.keys.sorted().map { .string($0) })
        case "delete":
            let old = merged.removeValue(forKey: key)
            return old.map { .string($0) } ?? .null
        default:
            // select, each, map, any?, ...: ENV answers them as the Hash of its variables does.
            let hash = Value.hash(HashBox(merged.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) }))
            return try Builtins.call(hash, method, arguments, interpreter: interpreter, at: location)
        }
    }
}

/// `File.join`, `dirname`, `basename`, `extname`, `expand_path`, `exist?`, `file?`, `directory?`, `read`, `readlines`.
final class FileModule: RubyObject {
    var typeName: String { "Class" }

    /// Files a Vagrantfile reads are settings: regular files of at most 16 MiB (never /dev/zero).
    static let readLimit = 16 << 20

    static func readText(_ name: String, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        do {
            return try HostFiles.readText(at: resolve(name, interpreter: interpreter), limit: readLimit)
        } catch .missing {
            throw interpreter.error("No such file or directory @ rb_sysopen - \(name)", at: location, className: "Errno::ENOENT")
        } catch .notRegularFile {
            throw interpreter.error("\(name) is not a regular file", at: location, className: "Errno::EINVAL")
        } catch .tooLarge {
            throw interpreter.error("\(name) is larger than \(readLimit >> 20) MiB", at: location, className: "IOError")
        } catch .notUTF8 {
            throw interpreter.error("\(name) is not UTF-8 text", at: location, className: "IOError")
        } catch {
            throw interpreter.error("\(name): \(error.explanation)", at: location, className: "IOError")
        }
    }

    /// Ruby's lines of a text: each keeps its "\n"; the last one has none if the text does not end with one.
    static func lines(of text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        if let last = lines.last {
            lines.removeLast()
            if last != "\n" { lines.append(String(last.dropLast())) }
        }
        return lines
    }

    static func resolve(_ path: String, interpreter: Interpreter) -> String {
        var expanded = path
        if expanded.hasPrefix("~") { expanded = (interpreter.environment["HOME"] ?? NSHomeDirectory()) + expanded.dropFirst() }
        // Lexically, as Ruby's expand_path does (NSString's standardizingPath costs a megabyte
        // of Foundation's pages on every `boxer status` that touches a file).
        return HostFiles.absolute(expanded, relativeTo: interpreter.directory)
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = arguments.positional.map(\.text)
        let first = args.first ?? ""
        switch method {
        case "join":
            let joined = args.filter { !$0.isEmpty }.enumerated().map { $0.offset == 0 ? $0.element : $0.element.trimming("/") }.joined(
                separator: "/")
            var collapsed = ""
            for character in joined where !(character == "/" && collapsed.last == "/") { collapsed.append(character) }
            return .string(collapsed)
        case "dirname":
            return .string((first as NSString).deletingLastPathComponent.isEmpty ? "." : (first as NSString).deletingLastPathComponent)
        case "basename":
            var base = (first as NSString).lastPathComponent
            if args.count > 1 {
                let suffix = args[1]
                if suffix == ".*" {
                    base = (base as NSString).deletingPathExtension
                } else if base.hasSuffix(suffix) {
                    base = String(base.dropLast(suffix.count))
                }
            }
            return .string(base)
        case "extname":
            let ext = (first as NSString).pathExtension
            return .string(ext.isEmpty ? "" : "." + ext)
        case "expand_path", "absolute_path", "realpath":
            if args.count > 1 {
                let base = Self.resolve(args[1], interpreter: interpreter)
                return .string(
                    first.hasPrefix("/") || first.hasPrefix("~")
                        ? Self.resolve(first, interpreter: interpreter) : HostFiles.absolute(first, relativeTo: base))
            }
            return .string(Self.resolve(first, interpreter: interpreter))
        case "exist?", "exists?":
            return .bool(HostFiles.exists(Self.resolve(first, interpreter: interpreter)))
        case "file?", "readable?":
            let kind = HostFiles.kind(of: Self.resolve(first, interpreter: interpreter))
            return .bool(kind != nil && kind != .directory)
        case "directory?":
            return .bool(HostFiles.kind(of: Self.resolve(first, interpreter: interpreter)) == .directory)
        case "symlink?":
            var status = stat()
            return .bool(lstat(Self.resolve(first, interpreter: interpreter), &status) == 0 && status.st_mode & S_IFMT == S_IFLNK)
        case "read", "readlines", "foreach":
            let text = try Self.readText(first, interpreter: interpreter, at: location)
            if method == "read" { return .string(text) }
            return .array(Self.lines(of: text).map(Value.string))
        case "write", "open", "new", "delete", "chmod", "rename", "symlink", "unlink":
            return try FileWrites.file(method, arguments, interpreter: interpreter, at: location) ?? .null
        case "separator", "SEPARATOR": return .string("/")
        default: throw interpreter.error("undefined method '\(method)' for File", at: location, className: "NoMethodError")
        }
    }
}

/// `Dir.pwd`, `Dir.exist?`, `Dir.glob`/`Dir[]` (read-only).
final class DirModule: RubyObject {
    var typeName: String { "Class" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let first = arguments.positional.first?.text ?? ""
        switch method {
        case "pwd", "getwd": return .string(interpreter.directory)
        case "exist?", "exists?":
            return .bool(HostFiles.kind(of: FileModule.resolve(first, interpreter: interpreter)) == .directory)
        case "home": return .string(interpreter.environment["HOME"] ?? NSHomeDirectory())
        case "glob", "[]":
            let pattern = FileModule.resolve(first, interpreter: interpreter)
            let folder = (pattern as NSString).deletingLastPathComponent
            let filePattern = (pattern as NSString).lastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let matched = names.filter { fnmatch(filePattern, $0, 0) == 0 }.sorted().map { Value.string(folder + "/" + $0) }
            return .array(matched)
        default:
            throw VagrantfileError.unsupportedDirMethod(method, at: location)
        }
    }
}

/// `Pathname.new(path)`, `Pathname(path)`, `Pathname.glob`: paths as objects, read-only.
final class PathnameObject: RubyObject {
    /// nil for the `Pathname` class itself.
    let path: String?

    init(_ path: String?) { self.path = path }

    var typeName: String { path == nil ? "Class" : "Pathname" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = try arguments.positional.map { try interpreter.stringify($0, at: location) }
        guard let path else {
            switch method {
            case "new", "()": return .object(PathnameObject(args.first ?? ""))
            case "glob":
                let found = try DirModule().call("glob", arguments, interpreter: interpreter, at: location)
                guard case .array(let box) = found else { return found }
                let relative = !(args.first ?? "").hasPrefix("/")
                return .array(
                    box.items.map { item in
                        let text = item.text
                        let shown =
                            relative && text.hasPrefix(interpreter.directory + "/")
                            ? String(text.dropFirst(interpreter.directory.count + 1)) : text
                        return .object(PathnameObject(shown))
                    })
            case "pwd", "getwd": return .object(PathnameObject(FileManager.default.currentDirectoryPath))
            default: throw interpreter.error("undefined method '\(method)' for Pathname", at: location, className: "NoMethodError")
            }
        }
        let ns = path as NSString
        switch method {
        case "to_s", "to_path", "to_str": return .string(path)
        case "inspect": return .string("#<Pathname:\(path)>")
        case "join", "+", "/":
            var joined = path
            for part in args { joined = part.hasPrefix("/") ? part : (joined as NSString).appendingPathComponent(part) }
            return .object(PathnameObject(joined))
        case "dirname", "parent": return .object(PathnameObject(ns.deletingLastPathComponent.isEmpty ? "." : ns.deletingLastPathComponent))
        case "basename":
            var base = ns.lastPathComponent
            if let suffix = args.first {
                if suffix == ".*" {
                    base = (base as NSString).deletingPathExtension
                } else if base.hasSuffix(suffix) {
                    base = String(base.dropLast(suffix.count))
                }
            }
            return .object(PathnameObject(base))
        case "extname": return .string(ns.pathExtension.isEmpty ? "" : "." + ns.pathExtension)
        case "expand_path", "realpath", "realdirpath", "absolute_path":
            return .object(PathnameObject(FileModule.resolve(path, interpreter: interpreter)))
        case "absolute?": return .bool(path.hasPrefix("/"))
        case "relative?": return .bool(!path.hasPrefix("/"))
        case "exist?", "file?", "directory?", "read", "readlines":
            return try FileModule().call(method, Arguments(positional: [.string(path)]), interpreter: interpreter, at: location)
        case "==":
            return .bool(
                arguments.positional.first.map { $0.text == path || (try? interpreter.stringify($0, at: location)) == path } ?? false)
        default:
            throw interpreter.error("undefined method '\(method)' for an instance of Pathname", at: location, className: "NoMethodError")
        }
    }
}

/// `Resolv::IPv4::Regex` and `Resolv::IPv6::Regex`, the address patterns Vagrantfiles test with.
final class ResolvModule: RubyObject {
    let part: String?
    init(part: String? = nil) { self.part = part }
    var typeName: String { "Module" }

    static let ipv4 = #"\A((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\z"#
    static let ipv6 =
        #"\A(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(([0-9A-Fa-f]{1,4}:){0,7}[0-9A-Fa-f]{0,4})?::(([0-9A-Fa-f]{1,4}:){0,7}[0-9A-Fa-f]{0,4})?)\z"#

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch (part, method) {
        case (nil, "IPv4"), (nil, "IPv6"): return .object(ResolvModule(part: method))
        case ("IPv4", "Regex"), ("IPv4", "Regex256"): return .regex(try RegexBox(pattern: Self.ipv4, options: "", at: location))
        case ("IPv6", "Regex"): return .regex(try RegexBox(pattern: Self.ipv6, options: "", at: location))
        default:
            throw interpreter.error(
                "\(method) of Resolv is not supported by boxer (it would ask DNS)", at: location, className: "NoMethodError")
        }
    }
}
