import BoxerSupport

/// What the commands themselves refuse, beyond their modules' errors, with every message in one
/// place. A malformed command line is ArgumentParser's `ValidationError` instead (status 2).
enum CommandError: BoxerError {
    case boxInUse(name: String, users: [(name: String, uuid: String, project: String)])
    case severalArchitectures(name: String, version: String, provider: String, architectures: [String])
    case providerNotAvailable(requested: String, available: [String])
    case machineNameNeeded(machines: [String])
    case machineNotDefined(name: String, vagrantfile: String?, machines: [String])
    case sshMissing(program: String, reason: String)
    case noTerminalToAsk(command: String)
    case notRunning(machine: String)
    case noForward(machine: String, guest: Int)
    case noInternalNetwork
    case noMachineRunning
    case switchRunning(pidfile: String)
    case noProviderData
    case noTemplates
    case exists(path: String)
    case logFileUnwritable(path: String)
    /// States `status` could not read (a damaged id), each with why.
    case unreadableStates([String])
    case noCatalogsIn(String)
    case cannotWrite(String, String)
    case cannotListen(String, String)

    var description: String {
        switch self {
        case .boxInUse(let name, let users):
            let list = users.map { "    \($0.name) (ID: \($0.uuid.prefix(7))) in \($0.project)" }.joined(separator: "\n")
            return
                "The box '\(name)' is still used by these machines; removing it would leave them unable to boot:\n\(list)\nDestroy them first (boxer destroy), or remove the box anyway with --force."
        case .severalArchitectures(let name, let version, let provider, let architectures):
            return
                "'\(name)' \(version) for '\(provider)' is installed for several architectures (\(architectures.joined(separator: ", "))); choose one with --architecture."
        case .providerNotAvailable(let requested, let available):
            return "The provider '\(requested)' is not available. boxer runs machines with: \(available.joined(separator: ", "))."
        case .machineNameNeeded(let machines):
            return "This command needs a machine name in a multi-machine environment. Machines: \(machines.joined(separator: ", "))."
        case .machineNotDefined(let name, let vagrantfile, let machines):
            return
                "The machine '\(name)' is not defined in \(vagrantfile ?? "the Vagrantfile"). Machines: \(machines.joined(separator: ", "))."
        case .sshMissing(let program, let reason):
            return "cannot run \(program): \(reason) (Debian: apt-get install openssh-client)"
        case .noTerminalToAsk(let command):
            return "boxer \(command) asks before deleting machines, and there is no terminal to ask on. Run it with --force."
        case .notRunning(let machine):
            return "The machine '\(machine)' is not running, so it forwards no ports."
        case .noForward(let machine, let guest):
            return "The machine '\(machine)' forwards nothing to guest port \(guest)."
        case .noInternalNetwork:
            return "This environment has no internal network yet. Run `boxer up` first."
        case .noMachineRunning:
            return "No machine of this environment is running. Run `boxer up` first."
        case .switchRunning(let pidfile):
            return "another switch holds \(pidfile)"
        case .noProviderData:
            return "No provider data found: boxer looks in ./providers, next to its executable, and in $BOXER_PROVIDERS."
        case .noTemplates:
            return "No box templates found: boxer looks in ./boxes, next to its executable, and in $BOXER_TEMPLATES."
        case .exists(let path):
            return "\(path) already exists. Remove it or run `boxer init --force` to overwrite it."
        case .logFileUnwritable(let path):
            return "Cannot write the log file \(path)."
        case .unreadableStates(let explanations):
            return explanations.joined(separator: "\n")
        case .noCatalogsIn(let folder):
            return "\(folder) holds no catalog (.json): name a build's catalog, or the --output folder of a `boxer build`."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason). Check that its folder exists and is writable."
        case .cannotListen(let address, let reason):
            return "boxer serve cannot listen on \(address): \(reason). Choose another --listen address or port."
        }
    }

    var kindName: String {
        switch self {
        case .noInternalNetwork: "CommandError.noInternalNetwork"
        case .noMachineRunning: "CommandError.noMachineRunning"
        case .noProviderData: "CommandError.noProviderData"
        case .noTemplates: "CommandError.noTemplates"
        default: "CommandError.\(caseName(of: self))"
        }
    }
}
