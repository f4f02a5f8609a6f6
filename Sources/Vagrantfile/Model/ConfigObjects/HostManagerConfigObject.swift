import Foundation

/// `config.hostmanager` (and a machine's `node.hostmanager`): the settings of the
/// vagrant-hostmanager plugin, which boxer has built in. `ip_resolver` (a Ruby block) is read
/// and not used: boxer answers with each machine's address on the environment network.
final class HostManagerConfigObject: RubyObject {
    let box: DraftBox
    unowned let collector: ConfigurationCollector
    /// vagrant-hostmanager 1.8's settings.
    static let known: Set<String> = [
        "enabled", "manage_host", "manage_guest", "ignore_private_ip", "include_offline", "aliases", "ip_resolver",
    ]

    init(box: DraftBox, collector: ConfigurationCollector) {
        self.box = box
        self.collector = collector
    }

    var typeName: String { "VagrantPlugins::HostManager::Config" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            let given = arguments.positional.first ?? .null
            guard Self.known.contains(key) else {
                collector.problem("HostManager configuration", "The following settings shouldn't exist: \(key)", at: location)
                return given
            }
            if key == "ip_resolver" {
                collector.warn(
                    "config.hostmanager.ip_resolver is not used: boxer lists each machine's address on the environment network",
                    at: location)
                return given
            }
            // vagrant-hostmanager's own checks, in its words.
            switch (key, given) {
            case ("aliases", .array), ("aliases", .string), ("aliases", .null): break
            case ("aliases", _):
                collector.problem("HostManager configuration", "A value for hostmanager.aliases must be an Array or String.", at: location)
            case (_, .bool), (_, .null): break
            default:
                collector.problem("HostManager configuration", "A value for hostmanager.\(key) can be true or false.", at: location)
            }
            box.draft.hostManager[key] = try Settings.value(given, at: location, interpreter: interpreter)
            box.touched = true
            return given
        }
        if let value = box.draft.hostManager[method] { return Settings.back(value) }
        if Self.known.contains(method) { return .null }
        throw interpreter.error("undefined method '\(method)' for config.hostmanager", at: location, className: "NoMethodError")
    }
}
