import Foundation

/// `config.trigger`: `before`/`after` take commands and a block or an options hash, as in
/// Vagrant 2.3.4, each trigger is checked as Vagrant validates it (heading "trigger") and
/// kept, finalized, with the machine's configuration (triggers of a `define` block after the
/// file's own, as Vagrant merges them).
final class TriggerConfigObject: RubyObject {
    unowned let collector: ConfigurationCollector
    let box: DraftBox

    /// VagrantConfigTrigger's settings; `id`, `command` and `ruby_block` can only be read.
    static let settings: Set<String> = [
        "name", "info", "warn", "on_error", "ignore", "only_on", "run", "run_remote", "exit_codes", "abort", "ruby", "type",
    ]
    static let readers: Set<String> = ["id", "command", "ruby_block"]
    /// Vagrant 2.3.4's commands, which a `type: :command` trigger is checked against.
    static let vagrantCommands: Set<String> = [
        "autocomplete", "box", "cloud", "destroy", "docker-exec", "docker-logs", "docker-run", "global-status", "halt", "help", "init",
        "list-commands", "login", "package", "plugin", "port", "powershell", "provision", "push", "rdp", "reload", "resume", "rsync",
        "rsync-auto", "serve", "snapshot", "ssh", "ssh-config", "status", "suspend", "up", "upload", "validate", "version", "winrm",
        "winrm-config",
    ]
    /// The hooks boxer has a step for (`machine_action_<action>` besides these).
    static let hooks: Set<String> = ["provisioner_run"]

    init(box: DraftBox, collector: ConfigurationCollector) {
        self.box = box
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::Kernel_V2::TriggerConfig" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        guard method == "before" || method == "after" else {
            collector.problem(
                "trigger", "The following settings shouldn't exist: \(method.hasSuffix("=") ? String(method.dropLast()) : method)",
                at: location)
            return .null
        }
        // `before(*command, &block)`: the commands (arrays flattened), then options as a last hash.
        var commands: [Value] = []
        func flatten(_ value: Value) {
            if case .array(let items) = value { items.items.forEach(flatten) } else { commands.append(value) }
        }
        arguments.positional.forEach(flatten)
        var options = arguments.keywords
        if options == nil, case .hash(let last)? = commands.last {
            options = last
            commands.removeLast()
        }
        if arguments.block == nil && options == nil {
            throw VagrantfileError.triggerWithoutConfiguration(Value.array(ArrayBox(commands)).inspect, at: location)
        }
        for command in commands {
            let trigger = TriggerObject(command: command)
            if let block = arguments.block {
                _ = try block.call(
                    [.object(trigger), .object(TypeObject("VagrantPlugins::Kernel_V2::VagrantConfigTrigger"))], at: location)
            }
            for pair in options?.pairs ?? [] { trigger.set(pair.key.text, pair.value) }
            try check(trigger, interpreter: interpreter, at: location)
            box.draft.triggers.append(
                try finalized(trigger, stage: method == "before" ? .before : .after, interpreter: interpreter, at: location))
            box.touched = true
        }
        return .null
    }

    /// VagrantConfigTrigger#finalize!: defaults applied, lists made of single values. What
    /// `check` refused is left out here (the reading fails on it anyway).
    private func finalized(_ trigger: TriggerObject, stage: Trigger.Stage, interpreter: Interpreter, at location: SourceLocation)
        throws -> Trigger
    {
        let values = trigger.values
        func text(_ key: String) -> String? {
            if case .string(let value)? = values[key] { return value }
            return nil
        }
        let list = Self.rubyArray
        func shell(_ key: String, privileged: Bool?) throws -> [String: ConfigValue]? {
            guard case .hash(let pairs)? = values[key] else { return nil }
            var options: [String: ConfigValue] = [:]
            for pair in pairs.pairs { options[pair.key.text] = try Settings.value(pair.value, at: location, interpreter: interpreter) }
            // A local `run` is never privileged (Vagrant warns and sets it false).
            if let privileged { options["privileged"] = .bool(privileged) }
            return options
        }
        var onlyOn: [Trigger.GuestPattern]?
        if let written = values["only_on"], written.isTruthy {
            onlyOn = list(written).map { value in
                if case .regex(let regex) = value { return .regex(pattern: regex.pattern, options: regex.options) }
                return .text(value.text)
            }
        }
        var abort: Int?
        switch values["abort"] {
        case .bool(true)?: abort = 1
        case .int(let code)?: abort = code
        default: abort = nil
        }
        var rubyBlock: Int?
        if case .proc(let block)? = values["ruby"] {
            rubyBlock = interpreter.host.registerTriggerBlock(block)
        }
        let exitCodes = list(values["exit_codes"]).compactMap { if case .int(let code) = $0 { return code } else { return nil } }
        return Trigger(
            stage: stage, command: trigger.command.text, kind: Trigger.Kind(rawValue: values["type"]?.text ?? "") ?? .action,
            name: text("name"), info: text("info"), warn: text("warn"),
            continuesOnError: { if case .symbol("continue")? = values["on_error"] { return true } else { return false } }(),
            ignore: list(values["ignore"]).map(\.text), onlyOn: onlyOn,
            run: try shell("run", privileged: false), runRemote: try shell("run_remote", privileged: nil),
            exitCodes: values["exit_codes"]?.isTruthy == true ? exitCodes : [0],
            abort: abort, rubyBlock: rubyBlock, location: location)
    }

    /// Ruby's `Array()`, as Vagrant applies it to list settings: nil none, a list as it is, a
    /// range its members, anything else alone.
    static func rubyArray(_ value: Value?) -> [Value] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items.items
        case .range(let low?, let high?, let exclusive)?:
            return (exclusive ? Array(low..<max(low, high)) : low <= high ? Array(low...high) : []).map(Value.int)
        case let single?: return [single]
        }
    }

    /// VagrantConfigTrigger#validate, in its words.
    private func check(_ trigger: TriggerObject, interpreter: Interpreter, at location: SourceLocation) throws {
        func problem(_ message: String) { collector.problem("trigger", message, at: location) }
        let command = trigger.command.text
        if !trigger.unknown.isEmpty {
            problem("The following settings shouldn't exist: \(trigger.unknown.sorted().joined(separator: ", "))")
        }
        let values = trigger.values
        let kind = values["type"].map { $0.isTruthy ? $0.text : "action" } ?? "action"
        if kind == "command", !Self.vagrantCommands.contains(command), command != "all" {
            collector.warn("The command '\(command)' was not found for this trigger.", at: location)
        }
        let typed = Trigger.typedTriggersEnabled(environment: interpreter.host.processEnvironment(interpreter))
        if kind == "command" || kind == "hook" || (kind == "action" && command.contains("::")) {
            if !typed {
                collector.warn(
                    "this `type: :\(kind)` trigger fires only with VAGRANT_EXPERIMENTAL=typed_triggers set, as in Vagrant", at: location)
            } else if command.contains("::") {
                collector.warn(
                    "boxer has no step for Vagrant's internal action \(command); this trigger never fires (use :up, :provision, ... instead)",
                    at: location)
            } else if kind == "hook", !Self.hooks.contains(command), !command.hasPrefix("machine_action_") {
                collector.warn(
                    "boxer fires hook triggers for provisioner_run and machine_action_<action> only; the hook '\(command)' never fires",
                    at: location)
            }
        }
        if let type = values["type"], type.isTruthy, !["command", "action", "hook"].contains(type.text) {
            problem(
                "The type '\(type.text)' defined for trigger '\(command)' is not valid. Must be one of the following types: 'command, action, hook'"
            )
        }
        for (key, remote) in [("run", false), ("run_remote", true)] {
            guard let run = values[key], run.isTruthy, case .hash(let pairs) = run else { continue }
            // Vagrant makes a shell provisioner's configuration of the hash; a trigger's `run` is not privileged.
            var options: [String: ConfigValue] = remote ? [:] : ["privileged": .bool(false)]
            var unknown: [String] = []
            for pair in pairs.pairs {
                let name = pair.key.text
                if ProvisionerKind.settings["shell"]?.contains(name) != true { unknown.append(name) }
                options[name] = try Settings.value(pair.value, at: location, interpreter: interpreter)
            }
            if !unknown.isEmpty { problem("The following settings shouldn't exist: \(unknown.sorted().joined(separator: ", "))") }
            ProvisionerChecks.shell(options, paths: HostPaths(root: collector.root), problem: problem)
        }
        for key in ["name", "info", "warn"] {
            if let value = values[key], value.isTruthy {
                if case .string = value {
                } else {
                    problem("Invalid type set for `\(key)` on trigger for command '\(command)'. `\(key)` should be a String.")
                }
            }
        }
        if let onError = values["on_error"] {
            // Only the symbols: a text "continue" is refused too.
            if case .symbol(let name) = onError, name == "halt" || name == "continue" {
            } else {
                problem(
                    "Invalid type set for `on_error` on trigger for command '\(command)'. `on_error` can only be `:halt` (default) or `:continue`."
                )
            }
        }
        if let codes = values["exit_codes"], codes.isTruthy {
            if !Self.rubyArray(codes).allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                problem(
                    "Invalid type set for `exit_codes` on trigger for command '\(command)'. `exit_codes` can only be a single integer or an array of integers."
                )
            }
        }
        if let abort = values["abort"], abort.isTruthy {
            switch abort {
            case .int, .bool(true): break
            default:
                problem(
                    "Trigger option `abort` for command '\(command)' must be either set to `true` (defaults to exit code 1) or an integer to use as an exit code."
                )
            }
        }
        if let ruby = values["ruby"], ruby.isTruthy {
            if case .proc = ruby {
            } else {
                problem("Invalid type for `ruby` option on trigger for command '\(command)'. Only `proc` types are allowed.")
            }
        }
    }
}

/// One trigger as its block configures it: the values as written (a symbol stays a symbol).
final class TriggerObject: RubyObject {
    let command: Value
    private(set) var values: [String: Value] = [:]
    private(set) var unknown: Set<String> = []

    init(command: Value) { self.command = command }

    var typeName: String { "VagrantPlugins::Kernel_V2::VagrantConfigTrigger" }

    func set(_ key: String, _ value: Value) {
        if !TriggerConfigObject.settings.contains(key) { unknown.insert(key) }
        values[key] = value
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            set(String(method.dropLast()), arguments.positional.first ?? .null)
            return arguments.positional.first ?? .null
        }
        switch method {
        case "ruby":
            // `trigger.ruby do |env, machine| ... end`: run by the interpreter when the trigger fires.
            if let block = arguments.block { values["ruby"] = .proc(block) }
            return .null
        case "command": return command
        default:
            if TriggerConfigObject.settings.contains(method) || TriggerConfigObject.readers.contains(method) {
                return values[method] ?? .null
            }
            unknown.insert(method)
            return .null
        }
    }
}
