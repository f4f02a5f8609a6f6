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
    /// Whether the file's shell commands, writes and `exit` act on the host: boxer's commands
    /// read a project as Vagrant does (`.performed`); anything else reads with them refused.
    public var effects: HostEffects
    /// `ARGV` for the file: the command line after the program's name, as Vagrant sets it.
    public var arguments: [String]

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, currentDirectory: String = HostFiles.currentDirectory(),
        home: BoxerHome? = nil, effects: HostEffects = .refused, arguments: [String] = [],
        boxVagrantfile: (@Sendable (Machine) -> String?)? = nil
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.home = home ?? BoxerHome(environment: environment)
        self.effects = effects
        self.arguments = arguments
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
        var files: [String] = []
        let homeFile = HostFiles.absolute("Vagrantfile", relativeTo: home.path)
        if HostFiles.exists(homeFile), homeFile != vagrantfile {
            files.append(homeFile)
        }
        files.append(vagrantfile)
        let reading = Reading(
            sources: try Self.read(files), root: HostFiles.parent(of: vagrantfile), environment: environment, effects: effects,
            arguments: arguments)
        return try reading.evaluate(boxVagrantfile: boxVagrantfile)
    }

    static func read(_ files: [String]) throws(VagrantfileError) -> [Reading.Source] {
        var sources: [Reading.Source] = []
        for file in files {
            do {
                sources.append(Reading.Source(path: file, text: try HostFiles.readText(at: file, limit: FileModule.readLimit)))
            } catch {
                throw VagrantfileError.unreadableVagrantfile(file, explanation: error.explanation)
            }
        }
        return sources
    }

    /// Evaluates Vagrantfiles in merge order (lowest first) into one environment, with host effects refused.
    public static func evaluate(_ files: [String], root: String, environment: [String: String]) throws(VagrantfileError)
        -> VagrantEnvironment
    {
        try Reading(sources: try read(files), root: root, environment: environment, effects: .refused, arguments: []).evaluate()
    }

    /// Evaluates Vagrantfile source held in memory (tests, fuzzing); `directory` anchors relative
    /// paths. Host effects are refused unless `effects` says otherwise.
    public static func evaluate(
        source: String, file: String = "Vagrantfile", directory: String = FileManager.default.temporaryDirectory.path,
        environment: [String: String] = [:], effects: HostEffects = .refused, arguments: [String] = []
    ) throws(VagrantfileError) -> VagrantEnvironment {
        try Reading(
            sources: [Reading.Source(path: directory + "/" + file, text: source)], root: directory, environment: environment,
            effects: effects, arguments: arguments
        ).evaluate()
    }
}
