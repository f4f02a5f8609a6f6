import BoxerSupport
import Foundation

/// One reading of a project's Vagrantfiles, as Vagrant reads them: each file's top-level code
/// runs once (its shell commands and `puts` once per command), and its `Vagrant.configure`
/// blocks run again for each box Vagrantfile layered beneath them.
struct Reading {
    struct Source {
        var path: String
        var text: String
    }

    var sources: [Source]
    var root: String
    var environment: [String: String]
    var effects: HostEffects
    var arguments: [String]

    /// Runs on a thread with a 256 MiB stack (reserved, touched only as used): the parser and
    /// evaluator recurse, and their own depth limits are set well inside that, so no input can
    /// overflow the stack of whatever thread called (Swift's concurrency threads have small ones).
    func evaluate(boxVagrantfile: (@Sendable (Machine) -> String?)? = nil) throws(VagrantfileError) -> VagrantEnvironment {
        try onThreadWaiting(stackSize: 256 << 20) { () throws(VagrantfileError) -> VagrantEnvironment in
            try evaluateNow(boxVagrantfile: boxVagrantfile)
        }
    }

    private func evaluateNow(boxVagrantfile: (@Sendable (Machine) -> String?)?) throws(VagrantfileError) -> VagrantEnvironment {
        // Vagrant makes the project's `.vagrant` folder before it reads the Vagrantfile, and
        // files rely on it (`File.open(".vagrant/hosts", "w")`).
        if effects == .performed, sources.contains(where: { HostFiles.parent(of: $0.path) == root }) {
            mkdir(root + "/.vagrant", 0o755)
        }
        let collector = ConfigurationCollector()
        collector.root = root
        let host = VagrantHost(configurator: collector, effects: effects, arguments: arguments)
        var interpreters: [Interpreter] = []
        // Trigger blocks keep the program alive until the environment is dropped.
        var keptAlive = false
        defer {
            if !keptAlive {
                for interpreter in interpreters { interpreter.releaseCycles() }
                host.release()
            }
        }
        for source in sources {
            let interpreter = Interpreter(file: source.path, environment: environment, host: host)
            interpreters.append(interpreter)
            try interpreter.run(try Parser.parse(source.text, file: source.path))
            do { try collector.runPendingBlocks() } catch { throw Self.converted(error) }
        }
        guard let last = interpreters.last else {
            throw VagrantfileError.noVagrantfileToRead()
        }
        let features = (host.processEnvironment(last)["VAGRANT_EXPERIMENTAL"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        collector.experimentalDisks = features == ["1"] || features.contains("disks")
        var machines = try Self.machines(of: collector, interpreter: last)
        if let first = collector.missingPlugins.first {
            let all = collector.missingPlugins.flatMap(\.names).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            throw VagrantfileError.projectPluginsMissing(all, at: first.location)
        }
        var warnings = collector.warnings
        var problems = collector.problems
        var providerProblems = collector.providerProblems
        if let boxVagrantfile {
            // Which box a machine uses is known only once the files above have been read; as in
            // Vagrant, each box's Vagrantfile is then read once, beneath the configure blocks
            // run again. Machines that share a box share that layering.
            var layered: [String: [Machine]] = [:]
            for (index, machine) in machines.enumerated() {
                guard let boxFile = boxVagrantfile(machine) else { continue }
                if layered[boxFile] == nil {
                    let layer = try layer(boxFile, beneath: collector, host: host, interpreters: &interpreters)
                    layered[boxFile] = layer.machines
                    for warning in layer.warnings where !warnings.contains(warning) { warnings.append(warning) }
                    for problem in layer.problems where !problems.contains(problem) { problems.append(problem) }
                    for problem in layer.providerProblems where !providerProblems.contains(problem) { providerProblems.append(problem) }
                }
                if let replaced = layered[boxFile]?.first(where: { $0.name == machine.name }) { machines[index] = replaced }
            }
        }
        if !collector.configured {
            warnings.append(
                Diagnostic(
                    location: SourceLocation(file: sources.last?.path ?? "Vagrantfile", line: 1, column: 1),
                    message: "this Vagrantfile never calls Vagrant.configure(\"2\"); it describes no machines"))
        }
        var read = VagrantEnvironment(
            vagrantfile: sources.last?.path, root: root, machines: machines, warnings: warnings, output: host.output, problems: problems,
            providerProblems: providerProblems)
        read.startProblems = collector.startProblems
        read.triggers = collector.global.draft.triggers
        read.typedTriggers = Trigger.typedTriggersEnabled(environment: host.processEnvironment(last))
        if !host.triggerBlocks.isEmpty {
            keptAlive = true
            read.rubyTriggerBlocks = RubyTriggerBlocks(host: host, interpreters: interpreters, blocks: host.triggerBlocks)
        }
        return read
    }

    /// The machines with `boxFile` read first and the project's configure blocks run again on top.
    private func layer(_ boxFile: String, beneath first: ConfigurationCollector, host: VagrantHost, interpreters: inout [Interpreter])
        throws(VagrantfileError) -> (
            machines: [Machine], warnings: [Diagnostic], problems: [Diagnostic], providerProblems: [ProviderProblem]
        )
    {
        guard let boxSource = try VagrantfileLoader.read([boxFile]).first, let last = interpreters.last else { return ([], [], [], []) }
        let collector = ConfigurationCollector()
        collector.root = root
        collector.keepVersions(of: first)
        collector.experimentalDisks = first.experimentalDisks
        collector.pluginProvisioners = first.pluginProvisioners
        host.configurator = collector
        defer { host.configurator = first }
        let interpreter = Interpreter(file: boxSource.path, environment: environment, host: host)
        interpreters.append(interpreter)
        try interpreter.run(try Parser.parse(boxSource.text, file: boxSource.path))
        do {
            try collector.runPendingBlocks()
            for block in first.configureBlocks { _ = try collector.configure(block, interpreter: last, at: block.location) }
            try collector.runPendingBlocks()
        } catch {
            throw Self.converted(error)
        }
        return (try Self.machines(of: collector, interpreter: last), collector.warnings, collector.problems, collector.providerProblems)
    }

    private static func machines(of collector: ConfigurationCollector, interpreter: Interpreter) throws(VagrantfileError) -> [Machine] {
        do {
            return try collector.machines(interpreter: interpreter)
        } catch {
            throw converted(error)
        }
    }

    /// What escapes a configure block, as the error the reading ends with.
    static func converted(_ error: any Error) -> VagrantfileError {
        switch error {
        case let error as VagrantfileError: return error
        case let error as RubyError: return VagrantfileError.passing(error.message, as: .runtime, at: error.location)
        case ControlFlow.breakValue, ControlFlow.nextValue, ControlFlow.returnValue:
            return VagrantfileError.controlFlowLeftConfigurationBlock()
        default: return VagrantfileError.passing("\(error)", as: .runtime, at: nil)
        }
    }
}
