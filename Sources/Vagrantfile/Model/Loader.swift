import BoxerSupport
import Foundation

/// Finds and reads Vagrantfiles the way Vagrant does, and evaluates them into an environment.
///
/// Paths are plain strings here: this is the path of every `boxer status`, which must take a
/// few milliseconds.
public struct VagrantfileLoader: Sendable {
    public var environment: [String: String]
    /// An absolute path.
    public var currentDirectory: String
    public var home: BoxerHome
    /// Finds the Vagrantfile packaged in the box a machine uses, if that box is installed and has
    /// one: the lowest layer of the machine's configuration, as in Vagrant. The box store lives in
    /// another module, so the caller supplies the lookup.
    public var boxVagrantfile: (@Sendable (Machine) -> String?)?

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, currentDirectory: String = HostFiles.currentDirectory(),
        home: BoxerHome? = nil, boxVagrantfile: (@Sendable (Machine) -> String?)? = nil
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.home = home ?? BoxerHome(environment: environment)
        self.boxVagrantfile = boxVagrantfile
    }

    /// The file name to look for: `$BOXER_VAGRANTFILE` / `$VAGRANT_VAGRANTFILE`, else `Vagrantfile`.
    public var fileName: String {
        environment["BOXER_VAGRANTFILE"] ?? environment["VAGRANT_VAGRANTFILE"] ?? "Vagrantfile"
    }

    /// Where the search starts: `$BOXER_CWD` / `$VAGRANT_CWD`, else the current folder.
    public var startDirectory: String {
        if let configured = environment["BOXER_CWD"] ?? environment["VAGRANT_CWD"], !configured.isEmpty {
            return HostFiles.absolute(configured, relativeTo: currentDirectory)
        }
        return HostFiles.absolute(".", relativeTo: currentDirectory)
    }

    /// The project Vagrantfile: the first one found walking up from the start folder.
    public func locate() throws(VagrantfileError) -> String {
        let start = startDirectory
        if environment["BOXER_CWD"] ?? environment["VAGRANT_CWD"] != nil, HostFiles.kind(of: start) != .directory {
            throw VagrantfileError.workingFolderMissing(start)
        }
        var folder = start
        while true {
            for name in [fileName, fileName.lowercased()] {
                let candidate = HostFiles.absolute(name, relativeTo: folder)
                if HostFiles.exists(candidate) { return candidate }
            }
            let parent = HostFiles.parent(of: folder)
            if parent == folder { break }
            folder = parent
        }
        throw VagrantfileError.vagrantfileNotFound(from: start)
    }

    /// Reads the project's Vagrantfile into machines, with `$BOXER_HOME/Vagrantfile` beneath it
    /// and, per machine, its box's Vagrantfile beneath that.
    public func load() throws(VagrantfileError) -> VagrantEnvironment {
        try load(vagrantfile: try locate())
    }

    public func load(vagrantfile: String) throws(VagrantfileError) -> VagrantEnvironment {
        let vagrantfile = HostFiles.absolute(vagrantfile, relativeTo: currentDirectory)
        var sources: [String] = []
        let homeFile = HostFiles.absolute("Vagrantfile", relativeTo: home.path)
        if HostFiles.exists(homeFile), homeFile != vagrantfile {
            sources.append(homeFile)
        }
        sources.append(vagrantfile)
        let root = HostFiles.parent(of: vagrantfile)
        var result = try Self.evaluate(sources, root: root, environment: environment)
        guard let boxVagrantfile else { return result }
        // Which box a machine uses is known only once the files above have been read; as Vagrant
        // does, the files are then read again with that box's Vagrantfile first. Machines that
        // share a box share that second reading.
        var layered: [String: VagrantEnvironment] = [:]
        for (index, machine) in result.machines.enumerated() {
            guard let boxFile = boxVagrantfile(machine) else { continue }
            if layered[boxFile] == nil {
                layered[boxFile] = try Self.evaluate([boxFile] + sources, root: root, environment: environment)
            }
            guard let withBox = layered[boxFile] else { continue }
            if let replaced = withBox.machine(named: machine.name) { result.machines[index] = replaced }
            for warning in withBox.warnings where !result.warnings.contains(warning) { result.warnings.append(warning) }
        }
        return result
    }

    /// Evaluates Vagrantfiles in merge order (lowest first) into one environment.
    public static func evaluate(_ files: [String], root: String, environment: [String: String]) throws(VagrantfileError)
        -> VagrantEnvironment
    {
        var sources: [(path: String, text: String)] = []
        for file in files {
            do {
                sources.append((file, try HostFiles.readText(at: file, limit: FileModule.readLimit)))
            } catch {
                throw VagrantfileError.unreadableVagrantfile(file, explanation: error.explanation)
            }
        }
        return try evaluate(sources: sources, root: root, environment: environment)
    }

    /// Evaluates Vagrantfile source held in memory (tests, fuzzing); `directory` anchors relative paths.
    public static func evaluate(
        source: String, file: String = "Vagrantfile", directory: String = FileManager.default.temporaryDirectory.path,
        environment: [String: String] = [:]
    ) throws(VagrantfileError) -> VagrantEnvironment {
        try evaluate(sources: [(directory + "/" + file, source)], root: directory, environment: environment)
    }

    /// Runs on a thread with a 256 MiB stack (reserved, touched only as used): the parser and evaluator recurse, and their own depth
    /// limits are set well inside that, so no input can overflow the stack of whatever thread
    /// called (Swift's concurrency threads have small ones).
    static func evaluate(sources: [(path: String, text: String)], root: String, environment: [String: String]) throws(VagrantfileError)
        -> VagrantEnvironment
    {
        try onThreadWaiting(stackSize: 256 << 20) { () throws(VagrantfileError) -> VagrantEnvironment in
            try evaluateNow(sources: sources, root: root, environment: environment)
        }
    }

    private static func evaluateNow(sources: [(path: String, text: String)], root: String, environment: [String: String])
        throws(VagrantfileError) -> VagrantEnvironment
    {
        let collector = ConfigurationCollector()
        let host = VagrantHost(configurator: collector)
        var interpreters: [Interpreter] = []
        defer {
            for interpreter in interpreters { interpreter.releaseCycles() }
            host.release()
        }
        for source in sources {
            let interpreter = Interpreter(file: source.path, environment: environment, host: host)
            try interpreter.run(try Parser.parse(source.text, file: source.path))
            interpreters.append(interpreter)
        }
        guard let last = interpreters.last else {
            throw VagrantfileError.noVagrantfileToRead()
        }
        let machines: [Machine]
        do {
            machines = try collector.machines(interpreter: last)
        } catch let error as VagrantfileError {
            throw error
        } catch let error as RubyError {
            throw VagrantfileError.passing(error.message, as: .runtime, at: error.location)
        } catch ControlFlow.breakValue, ControlFlow.nextValue, ControlFlow.returnValue {
            throw VagrantfileError.controlFlowLeftConfigurationBlock()
        } catch {
            throw VagrantfileError.passing("\(error)", as: .runtime, at: nil)
        }
        var warnings = collector.warnings
        if !collector.configured {
            warnings.append(
                Diagnostic(
                    location: SourceLocation(file: sources.last?.path ?? "Vagrantfile", line: 1, column: 1),
                    message: "this Vagrantfile never calls Vagrant.configure(\"2\"); it describes no machines"))
        }
        return VagrantEnvironment(
            vagrantfile: sources.last?.path,
            root: root,
            machines: machines,
            warnings: warnings,
            output: host.output)
    }
}
