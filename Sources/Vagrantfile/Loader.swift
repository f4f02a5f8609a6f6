import BoxerSupport
import Foundation

/// Finds and reads Vagrantfiles the way Vagrant does, and evaluates them into an environment.
public struct VagrantfileLoader: Sendable {
    public var environment: [String: String]
    public var currentDirectory: URL
    public var home: BoxerHome

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath), home: BoxerHome? = nil) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.home = home ?? BoxerHome(environment: environment)
    }

    /// The file name to look for: `$BOXER_VAGRANTFILE` / `$VAGRANT_VAGRANTFILE`, else `Vagrantfile`.
    public var fileName: String {
        environment["BOXER_VAGRANTFILE"] ?? environment["VAGRANT_VAGRANTFILE"] ?? "Vagrantfile"
    }

    /// Where the search starts: `$BOXER_CWD` / `$VAGRANT_CWD`, else the current folder.
    public var startDirectory: URL {
        if let configured = environment["BOXER_CWD"] ?? environment["VAGRANT_CWD"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, relativeTo: currentDirectory).standardizedFileURL
        }
        return currentDirectory.standardizedFileURL
    }

    /// The project Vagrantfile: the first one found walking up from the start folder.
    public func locate() throws(VagrantfileError) -> URL {
        let start = startDirectory
        if environment["BOXER_CWD"] ?? environment["VAGRANT_CWD"] != nil {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: start.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw VagrantfileError(.notFound, at: nil, "the folder \(start.path) named by VAGRANT_CWD/BOXER_CWD does not exist")
            }
        }
        var folder = start
        while true {
            let candidate = folder.appendingPathComponent(fileName)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            let lower = folder.appendingPathComponent(fileName.lowercased())
            if FileManager.default.fileExists(atPath: lower.path) { return lower }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        throw VagrantfileError(.notFound, at: nil, "A Vagrantfile is required, but none was found in \(start.path) or above it.", hint: "run `boxer init` to create one, or set VAGRANT_CWD to the project folder")
    }

    /// Reads the project's Vagrantfile (with `$BOXER_HOME/Vagrantfile` beneath it) into machines.
    public func load() throws(VagrantfileError) -> VagrantEnvironment {
        let vagrantfile = try locate()
        return try load(vagrantfile: vagrantfile)
    }

    public func load(vagrantfile: URL) throws(VagrantfileError) -> VagrantEnvironment {
        var sources: [URL] = []
        let homeFile = home.root.appendingPathComponent("Vagrantfile")
        if FileManager.default.fileExists(atPath: homeFile.path), homeFile.standardizedFileURL != vagrantfile.standardizedFileURL {
            sources.append(homeFile)
        }
        sources.append(vagrantfile)
        return try Self.evaluate(sources, root: vagrantfile.deletingLastPathComponent(), environment: environment)
    }

    /// Evaluates Vagrantfiles in merge order (lowest first) into one environment.
    public static func evaluate(_ files: [URL], root: URL, environment: [String: String]) throws(VagrantfileError) -> VagrantEnvironment {
        var sources: [(path: String, text: String)] = []
        for file in files {
            do {
                sources.append((file.path, try String(contentsOf: file, encoding: .utf8)))
            } catch {
                throw VagrantfileError(.notFound, at: nil, "cannot read \(file.path): \(error.localizedDescription)")
            }
        }
        return try evaluate(sources: sources, root: root.standardizedFileURL.path, environment: environment)
    }

    /// Evaluates Vagrantfile source held in memory (tests, fuzzing); `directory` anchors relative paths.
    public static func evaluate(source: String, file: String = "Vagrantfile", directory: String = FileManager.default.temporaryDirectory.path, environment: [String: String] = [:]) throws(VagrantfileError) -> VagrantEnvironment {
        try evaluate(sources: [(directory + "/" + file, source)], root: directory, environment: environment)
    }

    /// Runs on a thread with a 256 MiB stack (reserved, touched only as used): the parser and evaluator recurse, and their own depth
    /// limits are set well inside that, so no input can overflow the stack of whatever thread
    /// called (Swift's concurrency threads have small ones).
    static func evaluate(sources: [(path: String, text: String)], root: String, environment: [String: String]) throws(VagrantfileError) -> VagrantEnvironment {
        final class Outcome: @unchecked Sendable {
            var result: Result<VagrantEnvironment, VagrantfileError>?
        }
        let outcome = Outcome()
        let finished = DispatchSemaphore(value: 0)
        let sendableSources = sources.map { SendableSource(path: $0.path, text: $0.text) }
        let thread = Thread {
            outcome.result = Result { () throws(VagrantfileError) -> VagrantEnvironment in
                try evaluateNow(sources: sendableSources.map { ($0.path, $0.text) }, root: root, environment: environment)
            }
            finished.signal()
        }
        thread.stackSize = 256 << 20
        thread.start()
        finished.wait()
        guard let result = outcome.result else {
            throw VagrantfileError(.runtime, at: nil, "the Vagrantfile evaluation thread ended without a result")
        }
        return try result.get()
    }

    private struct SendableSource: Sendable {
        let path: String
        let text: String
    }

    private static func evaluateNow(sources: [(path: String, text: String)], root: String, environment: [String: String]) throws(VagrantfileError) -> VagrantEnvironment {
        let collector = ConfigurationCollector()
        let host = VagrantHost(configurator: collector)
        var interpreters: [Interpreter] = []
        defer { for interpreter in interpreters { interpreter.releaseCycles() } }
        for source in sources {
            let interpreter = Interpreter(file: source.path, environment: environment, host: host)
            try interpreter.run(try Parser.parse(source.text, file: source.path))
            interpreters.append(interpreter)
        }
        guard let last = interpreters.last else {
            throw VagrantfileError(.notFound, at: nil, "no Vagrantfile to read")
        }
        let machines: [Machine]
        do {
            machines = try collector.machines(interpreter: last)
        } catch let error as VagrantfileError {
            throw error
        } catch let error as RubyError {
            throw VagrantfileError(.runtime, at: error.location, error.message)
        } catch ControlFlow.breakValue, ControlFlow.nextValue, ControlFlow.returnValue {
            throw VagrantfileError(.syntax, at: nil, "return, next or break left a configuration block")
        } catch {
            throw VagrantfileError(.runtime, at: nil, "\(error)")
        }
        var warnings = collector.warnings
        if !collector.configured {
            warnings.append(Diagnostic(location: SourceLocation(file: sources.last?.path ?? "Vagrantfile", line: 1, column: 1), message: "this Vagrantfile never calls Vagrant.configure(\"2\"); it describes no machines"))
        }
        return VagrantEnvironment(
            vagrantfile: sources.last?.path,
            root: root,
            machines: machines,
            warnings: warnings,
            output: interpreters.flatMap(\.output))
    }
}
