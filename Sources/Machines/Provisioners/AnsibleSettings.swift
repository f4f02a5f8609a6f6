import Foundation
import Vagrantfile

/// An `ansible` or `ansible_local` provisioner's settings with Vagrant 2.3.4's defaults
/// (plugins/provisioners/ansible/config), read from the Vagrantfile's values.
public struct AnsibleSettings: Sendable, Equatable {
    /// `ansible_local`: Ansible runs in the guest, not on the host.
    public var local: Bool
    public var playbook: String
    public var become = false
    public var becomeUser: String?
    /// "auto" (detected from `ansible --version`), "1.8" or "2.0".
    public var compatibilityMode = "auto"
    public var configFile: String?
    /// `--extra-vars`: a JSON document (from a hash) or `@file` (from a path, with or without the `@`).
    public var extraVars: String?
    public var galaxyRoleFile: String?
    public var galaxyRolesPath: String?
    public var galaxyCommand = "ansible-galaxy install --role-file=%{role_file} --roles-path=%{roles_path} --force"
    /// Inventory groups (`"name:children"` and `"name:vars"` included), by name: Ruby keeps a
    /// hash's order and boxer's settings values do not.
    public var groups: [Group] = []
    /// Machine name → its inventory variables, already rendered as `key=value ...`.
    public var hostVars: [String: String] = [:]
    public var inventoryPath: String?
    /// `--limit`; nil: the machine being provisioned.
    public var limit: String?
    public var playbookCommand = "ansible-playbook"
    public var rawArguments: [String] = []
    public var skipTags: String?
    public var startAtTask: String?
    public var tags: String?
    public var vaultPasswordFile: String?
    /// `-v`, `-vv`…; nil: not verbose.
    public var verbosity: String?
    /// The Ansible version required ("" any, "latest").
    public var version = ""
    // ansible (host) only
    public var askBecomePass = false
    public var askVaultPass = false
    public var forceRemoteUser = true
    public var hostKeyChecking = false
    public var rawSSHArguments: [String] = []
    // ansible_local only
    public var provisioningPath = "/vagrant"
    public var temporaryPath = "/tmp/vagrant-ansible"
    public var install = true
    /// "default", "pip" or "pip_args_only".
    public var installMode = "default"
    public var pipArguments = ""
    public var pipInstallCommand = ""

    public struct Group: Sendable, Equatable {
        public var name: String
        public var members: [String]
    }

    /// Reads a provisioner's values. The Vagrantfile's validation already refused what Vagrant
    /// refuses (no playbook, an unknown compatibility mode, an extra_vars of another type).
    public init(_ provisioner: Provisioner) {
        let options = provisioner.options
        func text(_ key: String) -> String? {
            guard let value = options[key], value != .null else { return nil }
            return value.string
        }
        func list(_ key: String) -> String? {
            switch options[key] {
            case .array(let items)?: return items.compactMap(\.string).joined(separator: ",")
            case .null?, nil: return nil
            case let value?: return value.string
            }
        }
        func strings(_ key: String) -> [String] {
            switch options[key] {
            case .array(let items)?: return items.compactMap(\.string)
            case .string(let text)?: return [text]
            default: return []
            }
        }
        local = provisioner.type == "ansible_local"
        playbook = text("playbook") ?? ""
        become = (options["become"] ?? options["sudo"])?.bool == true
        becomeUser = text("become_user") ?? text("sudo_user")
        if let mode = text("compatibility_mode") { compatibilityMode = mode }
        configFile = text("config_file")
        switch options["extra_vars"] {
        case .object?:
            extraVars = options["extra_vars"].map(AnsibleSettings.json)
        case .string(let path)?:
            extraVars = path.hasPrefix("@") ? path : "@" + path
        default:
            extraVars = nil
        }
        galaxyRoleFile = text("galaxy_role_file")
        galaxyRolesPath = text("galaxy_roles_path")
        if let command = text("galaxy_command") { galaxyCommand = command }
        if case .object(let groups)? = options["groups"] {
            self.groups = groups.keys.sorted().map { name in Group(name: name, members: Self.members(groups[name] ?? .null)) }
        }
        if case .object(let vars)? = options["host_vars"] {
            for (machine, value) in vars {
                if let rendered = Self.hostVariables(value) { hostVars[machine] = rendered }
            }
        }
        inventoryPath = text("inventory_path")
        limit = list("limit")
        if let command = text("playbook_command") { playbookCommand = command }
        rawArguments = strings("raw_arguments")
        skipTags = list("skip_tags")
        startAtTask = text("start_at_task")
        tags = list("tags")
        vaultPasswordFile = text("vault_password_file")
        switch options["verbose"] {
        case .bool(true)?: verbosity = "-v"
        case .string(let value)? where !value.isEmpty:
            // Vagrant: "v", "vv", "-vvv" as given; anything else is a plain -v.
            let letters = value.hasPrefix("-") ? String(value.dropFirst()) : value
            verbosity = !letters.isEmpty && letters.allSatisfy { $0 == "v" } ? "-" + letters : "-v"
        default: verbosity = nil
        }
        version = text("version") ?? ""
        askBecomePass = (options["ask_become_pass"] ?? options["ask_sudo_pass"])?.bool == true
        askVaultPass = options["ask_vault_pass"]?.bool == true
        forceRemoteUser = options["force_remote_user"]?.bool != false
        hostKeyChecking = options["host_key_checking"]?.bool == true
        rawSSHArguments = strings("raw_ssh_args")
        if let path = text("provisioning_path") { provisioningPath = path }
        if let path = text("tmp_path") { temporaryPath = path }
        install = options["install"]?.bool != false
        if let mode = text("install_mode"), ["pip", "pip_args_only"].contains(mode) { installMode = mode }
        pipArguments = text("pip_args") ?? ""
        pipInstallCommand = text("pip_install_cmd") ?? ""
    }

    /// A group's members as Vagrant reads them: a string split on whitespace, a hash as
    /// `key=value` lines (for `:vars` groups), an array as given.
    static func members(_ value: ConfigValue) -> [String] {
        switch value {
        case .string(let text): return text.split(whereSeparator: \.isWhitespace).map(String.init)
        case .array(let items): return items.compactMap(\.string)
        case .object(let pairs): return pairs.keys.sorted().map { "\($0)=\(pairs[$0]?.string ?? "")" }
        default: return []
        }
    }

    /// A machine's `host_vars` on its inventory line: a hash as `key=value` (values with spaces
    /// quoted unless already quoted), an array joined with spaces, a string as given.
    static func hostVariables(_ value: ConfigValue) -> String? {
        let rendered: String
        switch value {
        case .object(let pairs):
            rendered = pairs.keys.sorted().map { key in
                var text = pairs[key]?.string ?? ""
                let quoted =
                    (text.hasPrefix("'") || text.hasPrefix("\"")) && (text.hasSuffix("'") || text.hasSuffix("\"")) && text.count > 1
                if case .string = pairs[key], text.contains(" "), !quoted { text = "'\(text)'" }
                return "\(key)=\(text)"
            }.joined(separator: " ")
        case .array(let items): rendered = items.compactMap(\.string).joined(separator: " ")
        case .string(let text): rendered = text
        default: return nil
        }
        return rendered.isEmpty ? nil : rendered
    }

    /// A settings value as compact JSON (Ruby's `to_json`; keys sorted, since boxer's settings
    /// values do not keep Ruby's order).
    static func json(_ value: ConfigValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// A string as a JSON (and Ruby) double-quoted literal.
    static func jsonString(_ text: String) -> String { json(.string(text)) }
}
