import Foundation

/// Settings a provider block writes into.
final class ProviderSettingsBox {
    var settings: ProviderSettings
    init(name: String) {
        settings = ProviderSettings(name: name, values: [:], customizations: [], vmx: [:], calls: [])
    }
}

/// The first parameter of a provider block (`vb`, `libvirt`, `v`).
final class ProviderConfigObject: RubyObject {
    let settings: ProviderSettingsBox
    unowned let collector: ConfigurationCollector

    /// Keys each provider documents; others produce Vagrant's "shouldn't exist" warning.
    static let known: [String: Set<String>] = [
        "virtualbox": [
            "name", "gui", "memory", "cpus", "linked_clone", "check_guest_additions", "default_nic_type", "functional_vboxsf",
            "auto_nat_dns_proxy", "destroy_unused_network_interfaces",
        ],
        "vmware_desktop": [
            "gui", "memory", "cpus", "linked_clone", "vmx", "whitelist_verified", "allowlist_verified", "clone_directory",
            "enable_vmrun_ip_lookup", "functional_hgfs", "unmount_default_hgfs", "utility_port", "utility_certificate_path",
            "ssh_info_public", "force_vmware_license", "nat_device", "port_forward_network_pause", "base_address", "base_mac", "vmx_path",
        ],
        "parallels": [
            "name", "memory", "cpus", "linked_clone", "linked_clone_snapshot", "regen_src_uuid", "update_guest_tools", "check_guest_tools",
            "functional_psf", "destroy_unused_network_interfaces",
        ],
    ]

    init(settings: ProviderSettingsBox, collector: ConfigurationCollector) {
        self.settings = settings
        self.collector = collector
    }

    var typeName: String { "ProviderConfig(\(settings.settings.name))" }

    private var providerKey: String {
        ["vmware_fusion", "vmware_workstation"].contains(settings.settings.name) ? "vmware_desktop" : settings.settings.name
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            if let known = Self.known[providerKey], !known.contains(key) {
                collector.warn("The following settings shouldn't exist: \(settings.settings.name) provider \(key)", at: location)
            }
            settings.settings.values[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            return arguments.positional.first ?? .null
        }
        switch method {
        case "customize":
            // `customize [...]` or `customize "pre-boot", [...]`.
            let list = arguments.positional.last ?? .null
            guard case .array = list else {
                throw VagrantfileError.customizeWithoutArray(at: location)
            }
            guard case .array(let box) = list else { return .null }
            // The symbol `:id` stands for the machine's id, which the driver puts in its place
            // (a string "id" stays as written); other symbols are their names, as `to_s` gives.
            let items = try box.items.map { item throws -> ConfigValue in
                if case .symbol("id") = item { return .string(ProviderSettings.machineIDPlaceholder) }
                return try Settings.value(item, at: location, interpreter: interpreter)
            }
            settings.settings.customizations.append(items)
            return .null
        case "vmx":
            return .object(VMXObject(settings: settings))
        default:
            if let value = settings.settings.values[method], arguments.positional.isEmpty, arguments.keywords == nil {
                return Settings.back(value)
            }
            if arguments.positional.isEmpty, arguments.keywords == nil, arguments.block == nil {
                // A getter of a setting not set yet.
                return .null
            }
            var values = try arguments.positional.map { try Settings.value($0, at: location, interpreter: interpreter) }
            if let keywords = arguments.keywords {
                values.append(try Settings.value(.hash(keywords), at: location, interpreter: interpreter))
            }
            settings.settings.calls.append(ProviderCall(name: method, arguments: values))
            return .null
        }
    }
}

/// VMware's `v.vmx["memsize"] = "2048"`.
final class VMXObject: RubyObject {
    let settings: ProviderSettingsBox
    init(settings: ProviderSettingsBox) { self.settings = settings }
    var typeName: String { "Hash" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "[]=":
            guard arguments.positional.count == 2 else {
                throw interpreter.error("vmx[key] = value", at: location, className: "ArgumentError")
            }
            settings.settings.vmx[arguments.positional[0].text] = arguments.positional[1].text
            return arguments.positional[1]
        case "[]":
            return settings.settings.vmx[arguments.positional.first?.text ?? ""].map { .string($0) } ?? .null
        default:
            throw interpreter.error("undefined method '\(method)' for vmx", at: location, className: "NoMethodError")
        }
    }
}
