import Foundation

/// The settings and methods of each provisioner Vagrant 2.3.4 ships (its config classes'
/// accessors), and the heading its validation prints them under.
enum ProvisionerKind {
    /// Vagrant's `provisioner_not_found` for any other type.
    static let types: Set<String> = Set(settings.keys)

    static let settings: [String: Set<String>] = [
        "shell": [
            "inline", "path", "md5", "sha1", "sha256", "sha384", "sha512", "env", "upload_path", "args", "privileged", "binary",
            "keep_color", "name", "sensitive", "powershell_args", "powershell_elevated_interactive", "reboot", "reset",
        ],
        "file": ["source", "destination"],
        // vagrant-hostmanager's provisioner, built in: it takes no settings.
        "hostmanager": [],
        "ansible": ansibleBase.union([
            "ask_become_pass", "ask_vault_pass", "force_remote_user", "host_key_checking", "raw_ssh_args", "ask_sudo_pass",
        ]),
        "ansible_local": ansibleBase.union(["provisioning_path", "tmp_path", "install", "install_mode", "pip_args", "pip_install_cmd"]),
        "chef_apply": chefBase.union(["recipe", "upload_path"]),
        "chef_client": chefRunner.union([
            "chef_server_url", "client_key_path", "delete_client", "delete_node", "validation_key_path", "validation_client_name",
        ]),
        "chef_solo": chefRunner.union([
            "cookbooks_path", "data_bags_path", "environments_path", "nodes_path", "recipe_url", "legacy_mode", "roles_path",
            "synced_folder_type",
        ]),
        "chef_zero": chefRunner.union([
            "cookbooks_path", "data_bags_path", "environments_path", "nodes_path", "roles_path", "synced_folder_type",
        ]),
        "puppet": [
            "binary_path", "facter", "structured_facts", "hiera_config_path", "manifest_file", "manifests_path", "environment",
            "environment_path", "environment_variables", "module_path", "options", "synced_folder_type", "synced_folder_args", "temp_dir",
            "working_directory", "nfs",
        ],
        "puppet_server": [
            "binary_path", "client_cert_path", "client_private_key_path", "facter", "options", "puppet_server", "puppet_node",
        ],
        "salt": [
            "minion_config", "minion_json_config", "minion_key", "minion_pub", "master_config", "master_json_config", "master_key",
            "master_pub", "grains_config", "run_highstate", "run_overstate", "orchestrations", "always_install", "bootstrap_script",
            "verbose", "seed_master", "colorize", "log_level", "masterless", "minion_id", "salt_call_args", "salt_args", "temp_config_dir",
            "install_type", "install_args", "install_master", "install_syndic", "no_minion", "bootstrap_options", "version",
            "python_version", "run_service", "master_id",
        ],
        "cfengine": [
            "am_policy_hub", "extra_agent_args", "classes", "deb_repo_file", "deb_repo_line", "files_path", "force_bootstrap", "install",
            "mode", "policy_server_address", "repo_gpg_key_url", "run_file", "upload_path", "yum_repo_file", "yum_repo_url", "package_name",
        ],
        "docker": container, "podman": container.union(["kubic"]), "container": container,
    ]

    /// Methods that take arguments rather than set a value (`chef.add_recipe "x"`, `d.run "app"`).
    static let methods: [String: Set<String>] = [
        "chef_client": ["add_recipe", "add_role"], "chef_solo": ["add_recipe", "add_role"], "chef_zero": ["add_recipe", "add_role"],
        "salt": ["pillar", "pillar_data"], "docker": containerMethods, "podman": containerMethods, "container": containerMethods,
    ]

    /// What Vagrant prints a provisioner's problems under.
    static func heading(_ type: String) -> String {
        switch type {
        case "file": return "File provisioner"
        case "ansible": return "ansible remote provisioner"
        case "ansible_local": return "ansible local provisioner"
        case "puppet_server": return "puppet server provisioner"
        case "cfengine": return "CFEngine"
        case "docker": return "VagrantPlugins::DockerProvisioner::Config"
        case "podman": return "VagrantPlugins::PodmanProvisioner::Config"
        case "container": return "VagrantPlugins::ContainerProvisioner::Config"
        default: return type.replacingOccurrences(of: "_", with: " ") + " provisioner"
        }
    }

    private static let ansibleBase: Set<String> = [
        "become", "become_user", "compatibility_mode", "config_file", "extra_vars", "galaxy_role_file", "galaxy_roles_path",
        "galaxy_command", "groups", "host_vars", "inventory_path", "limit", "playbook", "playbook_command", "raw_arguments", "skip_tags",
        "start_at_task", "tags", "vault_password_file", "verbose", "version", "sudo", "sudo_user",
    ]
    private static let chefBase: Set<String> = [
        "binary_path", "binary_env", "product", "install", "log_level", "channel", "version", "omnibus_url", "installer_download_path",
    ]
    private static let chefRunner: Set<String> = chefBase.union([
        "arguments", "attempts", "custom_config_path", "encrypted_data_bag_secret_key_path", "environment", "formatter", "http_proxy",
        "http_proxy_user", "http_proxy_pass", "https_proxy", "https_proxy_user", "https_proxy_pass", "json", "no_proxy", "node_name",
        "provisioning_path", "run_list", "file_cache_path", "file_backup_path", "verbose_logging", "enable_reporting",
    ])
    private static let container: Set<String> = ["images", "post_install_provisioner"]
    private static let containerMethods: Set<String> = [
        "build_image", "pull_images", "run", "post_install_provision", "build_images", "containers",
    ]
}

/// The object a `provision … do |s|` block configures. Like Vagrant's config classes, an
/// unknown setting (in the block or as a keyword option) is recorded and reported once, as
/// "The following settings shouldn't exist: a, b", and the file goes on.
final class ProvisionerConfigObject: RubyObject {
    let type: String
    var options: [String: ConfigValue]
    /// The settings this provisioner does not have, as written.
    private(set) var unknownSettings: Set<String> = []

    init(type: String, options: [String: ConfigValue]) {
        self.type = type
        self.options = options
        for key in options.keys where !isKnown(key) { unknownSettings.insert(key) }
    }

    var typeName: String { "VagrantPlugins::Provisioner" }

    /// For an unknown type (a plugin's), anything goes: Vagrant reports the type itself instead.
    private func isKnown(_ key: String) -> Bool {
        guard let known = ProvisionerKind.settings[type] else { return true }
        return known.contains(key) || ProvisionerKind.methods[type]?.contains(key) == true
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if method.hasSuffix("=") {
            let key = String(method.dropLast())
            if !isKnown(key) { unknownSettings.insert(key) }
            options[key] = try Settings.value(arguments.positional.first ?? .null, at: location, interpreter: interpreter)
            return arguments.positional.first ?? .null
        }
        // Every Ruby object has these; they are not settings.
        if method == "to_s" { return .string("#<\(typeName)>") }
        if !isKnown(method) { unknownSettings.insert(method) }
        if ProvisionerKind.methods[type]?.contains(method) == true {
            try record(method, arguments, interpreter: interpreter, at: location)
            return .null
        }
        if let value = options[method] { return Settings.back(value) }
        // The defaults that Vagrantfiles go on to change in place (`chef.json.merge!`, `chef.run_list <<`).
        switch method {
        case "json", "facter", "host_vars", "groups", "env": return .hash(HashBox([]))
        case "run_list": return .array(ArrayBox([]))
        default: return .null
        }
    }

    /// What the method calls of a provisioner's block add: the recipes and roles of a Chef run
    /// list, the containers, builds and pulls of a Docker or Podman one, as Vagrant keeps them.
    private func record(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws {
        func append(_ key: String, _ value: ConfigValue) {
            var list: [ConfigValue] = []
            if case .array(let existing)? = options[key] { list = existing }
            list.append(value)
            options[key] = .array(list)
        }
        switch method {
        case "run":
            // `d.run "name", image:, cmd:, args:, daemonize:, restart:, auto_assign_name:`; a later
            // run of the same name adds to the earlier one's options.
            guard let name = arguments.positional.first?.text else { return }
            var entry = try Settings.options(arguments, at: location, interpreter: interpreter)
            var list: [ConfigValue] = []
            if case .array(let existing)? = options["containers"] { list = existing }
            entry["name"] = .string(name)
            if let index = list.firstIndex(where: { if case .object(let fields) = $0 { fields["name"] == .string(name) } else { false } }),
                case .object(let earlier) = list[index]
            {
                list[index] = .object(earlier.merging(entry) { $1 })
            } else {
                list.append(.object(entry))
            }
            options["containers"] = .array(list)
            return
        case "build_image":
            guard let path = arguments.positional.first?.text else { return }
            var entry = try Settings.options(arguments, at: location, interpreter: interpreter)
            entry["path"] = .string(path)
            append("build_images", .object(entry))
            return
        case "pillar":
            // Salt's `salt.pillar({...})`: deep-merged into pillar_data, as Vagrant's DeepMerge does.
            guard let data = arguments.positional.first else { return }
            let added = try Settings.value(data, at: location, interpreter: interpreter)
            options["pillar_data"] = Self.deepMerged(options["pillar_data"] ?? .object([:]), added)
            return
        case "pull_images":
            for image in arguments.positional { append("images", .string(image.text)) }
            return
        default:
            break
        }
        guard method == "add_recipe" || method == "add_role", let name = arguments.positional.first?.text else { return }
        var list: [ConfigValue] = []
        if case .array(let existing)? = options["run_list"] { list = existing }
        list.append(.string(method == "add_recipe" ? "recipe[\(name)]" : "role[\(name)]"))
        options["run_list"] = .array(list)
    }

    static func deepMerged(_ base: ConfigValue, _ added: ConfigValue) -> ConfigValue {
        guard case .object(var merged) = base, case .object(let extra) = added else { return added }
        for (key, value) in extra { merged[key] = merged[key].map { deepMerged($0, value) } ?? value }
        return .object(merged)
    }
}
