import BoxerSupport
import Foundation

/// `env` in `trigger.ruby do |env, machine|`: the parts of `Vagrant::Environment` that
/// Vagrantfiles read.
final class TriggerEnvironmentObject: RubyObject {
    let facts: TriggerEnvironmentFacts

    init(facts: TriggerEnvironmentFacts) { self.facts = facts }

    var typeName: String { "Vagrant::Environment" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "root_path": return .object(PathnameObject(facts.root))
        case "cwd": return .object(PathnameObject(FileManager.default.currentDirectoryPath))
        case "local_data_path": return .object(PathnameObject(facts.root + "/.vagrant"))
        case "home_path": return .object(PathnameObject(facts.home))
        case "tmp_path": return .object(PathnameObject(facts.home + "/tmp"))
        case "boxes_path": return .object(PathnameObject(facts.home + "/boxes"))
        case "vagrantfile_name": return .array([.string(facts.vagrantfileName)])
        case "machine_names": return .array(facts.machineNames.map(Value.symbol))
        case "primary_machine_name": return facts.primaryMachine.map(Value.symbol) ?? .null
        case "default_provider": return .symbol(facts.defaultProvider)
        case "active_machines":
            return .array(facts.activeMachines.map { .array([.symbol($0.name), .symbol($0.provider)]) })
        case "ui": return .object(TriggerUIObject(output: facts.output))
        case "machine":
            let name = try interpreter.stringify(arguments.positional.first ?? .null, at: location)
            guard let machine = facts.machines.first(where: { $0.machine.name == name }) else {
                throw interpreter.error(
                    "The machine '\(name)' is not defined in this environment", at: location, className: "Vagrant::Errors::MachineNotFound")
            }
            return .object(TriggerMachineObject(facts: machine, environment: facts))
        case "to_s", "inspect": return .string("#<Vagrant::Environment: \(facts.root)>")
        default:
            throw interpreter.error(
                "undefined method '\(method)' for #<Vagrant::Environment> (boxer's trigger env has root_path, local_data_path, machine_names, primary_machine_name, active_machines, machine, ui)",
                at: location, className: "NoMethodError")
        }
    }
}

/// `machine` in `trigger.ruby do |env, machine|`: the parts of `Vagrant::Machine` that
/// Vagrantfiles read, and `communicate` to run commands in it.
final class TriggerMachineObject: RubyObject {
    let facts: TriggerMachineFacts
    let environment: TriggerEnvironmentFacts

    init(facts: TriggerMachineFacts, environment: TriggerEnvironmentFacts) {
        self.facts = facts
        self.environment = environment
    }

    var typeName: String { "Vagrant::Machine" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "name": return .symbol(facts.machine.name)
        case "id": return facts.id.map(Value.string) ?? .null
        case "state": return .object(TriggerMachineState(id: facts.state))
        case "provider_name": return .symbol(facts.provider)
        case "data_dir": return .object(PathnameObject(facts.dataDirectory))
        case "env": return .object(TriggerEnvironmentObject(facts: environment))
        case "ui": return .object(TriggerUIObject(output: facts.output.targeting(facts.machine.name)))
        case "config": return .object(TriggerMachineConfig(machine: facts.machine))
        case "ssh_info":
            guard let info = facts.sshInfo else { return .null }
            return .hash(
                HashBox([
                    (.symbol("host"), .string(info.host)), (.symbol("port"), .int(info.port)),
                    (.symbol("username"), .string(info.username)),
                    (.symbol("private_key_path"), .array(info.privateKeyPath.map(Value.string))),
                ]))
        case "communicate": return .object(TriggerCommunicator(facts: facts))
        case "to_s", "inspect": return .string("#<Vagrant::Machine: \(facts.machine.name) (\(facts.provider))>")
        default:
            throw interpreter.error(
                "undefined method '\(method)' for #<Vagrant::Machine> (boxer's trigger machine has name, id, state, provider_name, data_dir, config, ssh_info, communicate, ui)",
                at: location, className: "NoMethodError")
        }
    }
}

/// `machine.state`: `id` is a symbol (`:running`), as Vagrant's MachineState.
final class TriggerMachineState: RubyObject {
    let id: String

    init(id: String) { self.id = id }

    var typeName: String { "Vagrant::MachineState" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "id": return .symbol(id)
        case "short_description": return .string(id.replacingOccurrences(of: "_", with: " "))
        case "long_description": return .string("The machine is \(id.replacingOccurrences(of: "_", with: " ")).")
        case "to_s", "inspect": return .string("#<Vagrant::MachineState: \(id)>")
        default:
            throw interpreter.error("undefined method '\(method)' for #<Vagrant::MachineState>", at: location, className: "NoMethodError")
        }
    }
}

/// `machine.ui` / `env.ui`: Vagrant's UI methods print through boxer's output.
final class TriggerUIObject: RubyObject {
    let output: Output

    init(output: Output) { self.output = output }

    var typeName: String { "Vagrant::UI::Prefixed" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let text = try arguments.positional.first.map { try interpreter.stringify($0, at: location) } ?? ""
        switch method {
        case "info", "say", "output": output.say(text)
        case "detail": output.detail(text)
        case "warn": output.warn(text)
        case "error": output.error(text)
        case "success": output.success(text)
        default: throw interpreter.error("undefined method '\(method)' for #<Vagrant::UI>", at: location, className: "NoMethodError")
        }
        return .null
    }
}

/// `machine.config.vm.hostname` and its kind: the machine's settings as read.
final class TriggerMachineConfig: RubyObject {
    let machine: Machine
    let section: String?

    init(machine: Machine, section: String? = nil) {
        self.machine = machine
        self.section = section
    }

    var typeName: String { "Vagrant::Config::V2::Root" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch (section, method) {
        case (nil, "vm"), (nil, "ssh"): return .object(TriggerMachineConfig(machine: machine, section: method))
        case ("vm", "hostname"): return machine.hostname.map(Value.string) ?? .null
        case ("vm", "box"): return machine.box.map(Value.string) ?? .null
        case ("vm", "box_version"): return machine.boxVersion.map(Value.string) ?? .null
        case ("vm", "communicator"): return .string(machine.communicator)
        case ("vm", "boot_timeout"): return .int(machine.bootTimeout)
        case ("vm", "synced_folders"):
            return .hash(
                HashBox(
                    machine.syncedFolders.map { folder in
                        (
                            .string(folder.id),
                            .hash(
                                HashBox([
                                    (.symbol("hostpath"), .string(folder.hostPath)), (.symbol("guestpath"), .string(folder.guestPath)),
                                    (.symbol("disabled"), .bool(folder.disabled)),
                                ]))
                        )
                    }))
        case ("vm", let name): return machine.settings[name].map(Self.value) ?? .null
        case ("ssh", "username"): return machine.ssh.username.map(Value.string) ?? .null
        case ("ssh", "port"): return machine.ssh.port.map(Value.int) ?? .null
        case ("ssh", "host"): return machine.ssh.host.map(Value.string) ?? .null
        case ("ssh", let name): return machine.ssh.values[name].map(Self.value) ?? .null
        default:
            throw interpreter.error(
                "undefined method '\(method)' for the machine's configuration (boxer's trigger machine.config has vm and ssh)",
                at: location, className: "NoMethodError")
        }
    }

    static func value(_ value: ConfigValue) -> Value {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number): return .float(number)
        case .string(let text): return .string(text)
        case .array(let items): return .array(items.map(Self.value))
        case .object(let pairs):
            return .hash(HashBox(pairs.keys.sorted().map { (.symbol($0), Self.value(pairs[$0] ?? .null)) }))
        }
    }
}

/// `machine.communicate`: `execute`, `sudo` and `test` run in the guest over boxer's SSH;
/// `execute`/`sudo` raise when the command fails, unless `error_check: false`, and hand each
/// line of output to a block given as `|type, data|`.
final class TriggerCommunicator: RubyObject {
    let facts: TriggerMachineFacts

    init(facts: TriggerMachineFacts) { self.facts = facts }

    var typeName: String { "VagrantPlugins::CommunicatorSSH::Communicator" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "ready?": return .bool(facts.sshInfo != nil && facts.state == "running")
        case "execute", "sudo", "test":
            let command = try interpreter.stringify(arguments.positional.first ?? .null, at: location)
            var options = arguments.keywords
            if options == nil, arguments.positional.count > 1, case .hash(let given) = arguments.positional[1] { options = given }
            let sudo = method == "sudo" || options?[.symbol("sudo")]?.isTruthy == true
            guard let result = facts.runInGuest(command, sudo) else {
                if method == "test" { return .bool(false) }
                throw interpreter.error(
                    "boxer cannot reach \(facts.machine.name) over SSH (it is \(facts.state)); run the command once the machine is running",
                    at: location, className: "Vagrant::Errors::SSHNotReady")
            }
            if method == "test" { return .bool(result.status == 0) }
            if let block = arguments.block {
                for line in result.output.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                    _ = try block.call([.symbol("stdout"), .string(String(line) + "\n")], at: location)
                }
                for line in result.error.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                    _ = try block.call([.symbol("stderr"), .string(String(line) + "\n")], at: location)
                }
            }
            let checked = options?[.symbol("error_check")].map(\.isTruthy) ?? true
            if checked && result.status != 0 {
                throw interpreter.error(
                    "The command \(command) exited with status \(result.status) in \(facts.machine.name).\n\(result.error)",
                    at: location, className: "Vagrant::Errors::VagrantError")
            }
            return .int(Int(result.status))
        default:
            throw interpreter.error("undefined method '\(method)' for the communicator", at: location, className: "NoMethodError")
        }
    }
}
