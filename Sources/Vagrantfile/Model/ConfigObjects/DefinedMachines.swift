/// `config.vm.defined_vms`: Vagrant's hash of the machines defined so far, name → sub-VM, whose
/// `options` (`autostart`, `primary`) can be changed and whose `config_procs` take more
/// configuration blocks (`[version, proc]`), as projects use it to adjust every machine at once.
final class DefinedMachineObject: RubyObject {
    let name: String
    /// Live: what the file changes here becomes the machine's options.
    let options: HashBox
    /// Live: blocks pushed here run on the machine after its own define blocks.
    let procs: ArrayBox

    init(name: String, options: [String: ConfigValue]) {
        self.name = name
        self.options = HashBox(options.sorted { $0.key < $1.key }.map { (.symbol($0.key), Settings.back($0.value)) })
        procs = ArrayBox([])
    }

    var typeName: String { "VagrantPlugins::Kernel_V2::VagrantConfigSubVM" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "options": return .hash(options)
        case "config_procs": return .array(procs)
        case "to_s", "inspect": return .string("#<VagrantPlugins::Kernel_V2::VagrantConfigSubVM>")
        default:
            throw interpreter.error(
                "undefined method '\(method)' for an instance of VagrantPlugins::Kernel_V2::VagrantConfigSubVM", at: location,
                className: "NoMethodError")
        }
    }

    /// The options as the file left them.
    func currentOptions(interpreter: Interpreter, at location: SourceLocation) throws -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for pair in options.pairs {
            result[pair.key.text] = try Settings.value(pair.value, at: location, interpreter: interpreter)
        }
        return result
    }

    /// The blocks pushed onto `config_procs`.
    var pushedBlocks: [Closure] {
        procs.items.compactMap { item in
            switch item {
            case .proc(let block): return block
            case .array(let pair):
                if case .proc(let block)? = pair.items.last { return block }
                return nil
            default: return nil
            }
        }
    }
}

extension ConfigurationCollector {
    /// `config.vm.defined_vms`: one live object per machine defined so far, the same object
    /// each time it is asked for.
    func definedMachines() -> Value {
        let hash = HashBox()
        for definition in definitions {
            let object = definedMachineObjects[definition.name] ?? DefinedMachineObject(name: definition.name, options: definition.options)
            definedMachineObjects[definition.name] = object
            hash[.symbol(definition.name)] = .object(object)
        }
        return .hash(hash)
    }

    /// A definition with what the file changed through `defined_vms` applied.
    func applyingDefinedMachineChanges(_ definition: Definition, interpreter: Interpreter) throws -> Definition {
        guard let object = definedMachineObjects[definition.name] else { return definition }
        var changed = definition
        changed.options = try object.currentOptions(interpreter: interpreter, at: definition.location)
        changed.blocks += object.pushedBlocks
        return changed
    }
}
