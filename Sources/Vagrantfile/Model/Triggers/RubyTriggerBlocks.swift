import BoxerSupport
import Foundation

/// The `ruby` blocks of a project's triggers, with the interpreters that defined them kept alive
/// until the environment is dropped: a block runs when its trigger fires, long after the
/// Vagrantfile was read, and sees the variables and methods the file had.
///
/// Blocks run one at a time (the interpreter is single-threaded), each on a thread of its own
/// with a large stack, as the reading did, so a block that waits (a command in the guest)
/// holds no thread of Swift's concurrency pool.
public final class RubyTriggerBlocks: @unchecked Sendable {
    private let lock = NSLock()
    private let host: VagrantHost
    private var interpreters: [Interpreter]
    private let blocks: [Closure]

    init(host: VagrantHost, interpreters: [Interpreter], blocks: [Closure]) {
        self.host = host
        self.interpreters = interpreters
        self.blocks = blocks
    }

    deinit {
        for interpreter in interpreters { interpreter.releaseCycles() }
        host.release()
    }

    public var count: Int { blocks.count }

    /// Calls block `index` as Vagrant does, `block.call(env, machine)`; `machine` is nil for
    /// command triggers. What the block prints goes to boxer's output as it runs.
    public func call(_ index: Int, environment: TriggerEnvironmentFacts, machine: TriggerMachineFacts?) async throws(VagrantfileError) {
        guard blocks.indices.contains(index) else { return }
        let work = BlockCall(owner: self, block: blocks[index])
        try await onDedicatedThread(stackSize: 256 << 20) { () throws(VagrantfileError) in
            try work.run(environment: environment, machine: machine)
        }.get()
    }

    /// One block and the lock that keeps calls apart, handed to the block's thread.
    private struct BlockCall: @unchecked Sendable {
        let owner: RubyTriggerBlocks
        let block: Closure

        func run(environment: TriggerEnvironmentFacts, machine: TriggerMachineFacts?) throws(VagrantfileError) {
            owner.lock.lock()
            defer { owner.lock.unlock() }
            let environmentObject = TriggerEnvironmentObject(facts: environment)
            let machineObject: Value = machine.map { .object(TriggerMachineObject(facts: $0, environment: environment)) } ?? .null
            do {
                _ = try block.call([.object(environmentObject), machineObject], at: block.location)
            } catch {
                throw Reading.converted(error)
            }
        }
    }
}

/// What a trigger's `env` answers: the project as Vagrant's `Vagrant::Environment` shows it.
public struct TriggerEnvironmentFacts: Sendable {
    public var root: String
    public var vagrantfileName: String
    public var machineNames: [String]
    public var primaryMachine: String?
    public var home: String
    public var defaultProvider: String
    /// Machines that are created, with their providers (`env.active_machines`).
    public var activeMachines: [(name: String, provider: String)]
    /// Every machine, as `env.machine(name, provider)` answers.
    public var machines: [TriggerMachineFacts]
    public var output: Output

    public init(
        root: String, vagrantfileName: String, machineNames: [String], primaryMachine: String?, home: String, defaultProvider: String,
        activeMachines: [(name: String, provider: String)], machines: [TriggerMachineFacts], output: Output
    ) {
        self.root = root
        self.vagrantfileName = vagrantfileName
        self.machineNames = machineNames
        self.primaryMachine = primaryMachine
        self.home = home
        self.defaultProvider = defaultProvider
        self.activeMachines = activeMachines
        self.machines = machines
        self.output = output
    }
}

/// What a trigger's `machine` answers: its name, id, state and settings, and a way to run
/// commands in it (`machine.communicate`), which boxer supplies.
public struct TriggerMachineFacts: Sendable {
    public struct SSHInfo: Sendable {
        public var host: String
        public var port: Int
        public var username: String
        public var privateKeyPath: [String]

        public init(host: String, port: Int, username: String, privateKeyPath: [String]) {
            self.host = host
            self.port = port
            self.username = username
            self.privateKeyPath = privateKeyPath
        }
    }

    /// A command's outcome in the guest.
    public struct CommandResult: Sendable {
        public var status: Int32
        public var output: String
        public var error: String

        public init(status: Int32, output: String, error: String) {
            self.status = status
            self.output = output
            self.error = error
        }
    }

    public var machine: Machine
    public var id: String?
    /// Vagrant's state id (`running`, `poweroff`, `not_created`, ...).
    public var state: String
    public var provider: String
    /// `.vagrant/machines/<name>/<provider>`.
    public var dataDirectory: String
    public var sshInfo: SSHInfo?
    /// Runs a command in the guest and waits for it (`sudo`: as root); nil when the machine
    /// cannot be reached. Called on the block's own thread, so it may block.
    public var runInGuest: @Sendable (_ command: String, _ sudo: Bool) -> CommandResult?
    public var output: Output

    public init(
        machine: Machine, id: String?, state: String, provider: String, dataDirectory: String, sshInfo: SSHInfo?,
        output: Output, runInGuest: @escaping @Sendable (String, Bool) -> CommandResult?
    ) {
        self.machine = machine
        self.id = id
        self.state = state
        self.provider = provider
        self.dataDirectory = dataDirectory
        self.sshInfo = sshInfo
        self.output = output
        self.runInGuest = runInGuest
    }
}
