import Foundation

/// `Vagrant::Config.run do |config| ... end` and `Vagrant.configure("1")`: the configuration
/// format before Vagrant 1.1, which Vagrant still reads. Its settings are turned into version 2's:
/// `forward_port` into a forwarded port, `share_folder` into a synced folder, `host_name` into
/// `hostname`. Its `network` and `forward_port` fail in Vagrant 2.3.4 too, and are refused with the
/// version 2 line to write.
final class V1ConfigObject: RubyObject {
    let root: ConfigObject
    init(root: ConfigObject) { self.root = root }
    var typeName: String { "Vagrant::Config::V1::Root" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let value = try root.call(method, arguments, interpreter: interpreter, at: location)
        if method == "vm", case .object(let vm as VMConfigObject) = value {
            return .object(V1VMConfig(vm: vm))
        }
        return value
    }
}

/// `config.vm` of a version 1 configuration.
final class V1VMConfig: RubyObject {
    let vm: VMConfigObject
    init(vm: VMConfigObject) { self.vm = vm }
    var typeName: String { "Vagrant::Config::V1::VMConfig" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = arguments.positional
        switch method {
        case "host_name=": return try vm.call("hostname=", arguments, interpreter: interpreter, at: location)
        case "boot_mode=", "auto_port_range=":
            return args.first ?? .null
        case "share_folder":
            guard args.count >= 3 else {
                throw interpreter.error("share_folder needs a name, a guest path and a host path", at: location, className: "ArgumentError")
            }
            let options = arguments.keywords?.copy() ?? HashBox()
            options[.symbol("id")] = args[0]
            return try vm.call(
                "synced_folder", Arguments(positional: [args[2], args[1]], keywords: options), interpreter: interpreter, at: location)
        case "customize":
            // As Vagrant does on upgrading the file: VirtualBox-only, and boxer runs no VirtualBox VM from v1 files.
            vm.collector.warn(
                "config.vm.customize (version 1) is VirtualBox-specific; boxer ignores it. Write it in a config.vm.provider \"virtualbox\" block",
                at: location)
            return .null
        case "network", "forward_port":
            // Vagrant 2.3.4 turns both into version 2's network and fails there (ArgumentError on Ruby 3).
            throw VagrantfileError.v1Network(method == "network" ? "network :\(args.first?.text ?? "")" : "forward_port", at: location)
        case "define":
            let value = try vm.call(method, arguments, interpreter: interpreter, at: location)
            if let block = arguments.block { vm.collector.markVersion1(block) }
            return value
        default:
            return try vm.call(method, arguments, interpreter: interpreter, at: location)
        }
    }
}
