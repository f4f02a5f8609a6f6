import Foundation

/// The built `boxer` and Debian's `vagrant` (2.3.4), each run with a home of the test's, so that
/// no test reads or changes the user's boxes and machines.
extension ProgramRun {
    /// The environment `boxer` runs with: this process's, with `BOXER_HOME` set to `home`.
    public static func boxerEnvironment(home: URL, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BOXER_HOME"] = home.path
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// The environment `vagrant` runs with: its own home, no version check; `plugins: false` also
    /// leaves out the installed plugins (vagrant-libvirt), which some comparisons must not see.
    public static func vagrantEnvironment(home: URL, plugins: Bool = true, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["VAGRANT_HOME"] = home.path
        environment["VAGRANT_CHECKPOINT_DISABLE"] = "1"
        environment["VAGRANT_DISABLE_VBOXSYMLINKCREATE"] = "1"
        if !plugins { environment["VAGRANT_NO_PLUGINS"] = "1" }
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs the built `boxer` (see `BoxerBinary`); fails when it is not built.
    public static func boxer(_ arguments: [String], home: URL, directory: URL? = nil, environment extra: [String: String] = [:]) throws
        -> ProgramRun
    {
        guard let executable = BoxerBinary.url else { throw TestArchiveError("build the boxer executable first (swift build)") }
        return try run(executable.path, arguments, environment: boxerEnvironment(home: home, extra), directory: directory)
    }

    /// Runs `vagrant` from PATH.
    public static func vagrant(
        _ arguments: [String], home: URL, directory: URL, plugins: Bool = true, environment extra: [String: String] = [:]
    ) throws -> ProgramRun {
        try run("vagrant", arguments, environment: vagrantEnvironment(home: home, plugins: plugins, extra), directory: directory)
    }
}
