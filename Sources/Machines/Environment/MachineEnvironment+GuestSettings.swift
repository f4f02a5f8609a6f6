import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// What Vagrant itself configures in a guest on `up`: its hostname, whether or not the guest
/// has cloud-init (busybox, Debian, RHEL, Alpine, systemd or not), and the message the
/// Vagrantfile's author left for after `up`.
extension MachineEnvironment {
    /// Vagrant's change_host_name: the name in /etc/hosts (the address of a network marked
    /// `hostname: true`, else a free 127.0.X.1 line), then /etc/hostname and the running name
    /// (the short name on Debian, as Vagrant's Debian guest does). Nothing is done when
    /// `hostname -f` already answers it; a failure is a warning.
    func setHostname(_ context: MachineContext, communicator: Communicator) async {
        guard let name = context.machine.hostname, !name.isEmpty else { return }
        let target = output.targeting(context.machine.name)
        var address = ""
        for network in context.machine.networks {
            if case .privateNetwork(let settings) = network, settings.options["hostname"]?.bool == true, let ip = settings.ip {
                address = ip
                break
            }
        }
        let script = Self.hostnameScript(name: name, address: address)
        let changed = try? await communicator.capture(communicator.privileged("sh -c \(Communicator.quote(script))"))
        guard let changed else { return }
        if changed.status != 0 {
            target.warn("Could not set the hostname \(name) in the guest (status \(changed.status)): \(changed.error)")
        } else if changed.output.contains("changed") {
            target.say("Setting hostname...")
        }
    }

    static func hostnameScript(name: String, address: String) -> String {
        let base = String(name.split(separator: ".", maxSplits: 1).first ?? Substring(name))
        return """
            name=\(Communicator.quote(name)); base=\(Communicator.quote(base)); ip=\(Communicator.quote(address))
            if hostname -f 2>/dev/null | grep -qx -F "$name"; then exit 0; fi
            if [ -n "$ip" ]; then
              t=$(mktemp) || exit 1
              { printf '%s\\t%s\\t%s\\n' "$ip" "$name" "$base"; grep -v -w -F "$name" /etc/hosts; } > "$t"; cat "$t" > /etc/hosts; rm -f "$t"
            elif ! grep -q -w -F "$name" /etc/hosts 2>/dev/null; then
              for i in 1 2 3 4 5; do
                grep -q -w -F "127.0.$i.1" /etc/hosts 2>/dev/null || { echo "127.0.$i.1 $name $base" >> /etc/hosts; break; }
              done
            fi
            short=$name; [ -f /etc/debian_version ] && short=$base
            echo "$short" > /etc/hostname
            [ -f /etc/debian_version ] && echo "$name" > /etc/mailname
            if command -v hostnamectl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then hostnamectl set-hostname "$short"; else hostname "$short"; fi
            echo changed
            """
    }

    /// A primary disk grown for a guest that has no cloud-init to grow its partition and file
    /// system into it (growpart, resize2fs): said, with what to run, once per boot.
    func checkPrimaryGrowth(_ context: MachineContext, communicator: Communicator) async {
        let machine = context.machine
        var grown = false
        if case .array(let disks)? = machine.settings["disks"] {
            grown = disks.contains { disk in
                guard case .object(let fields) = disk else { return false }
                return fields["primary"]?.bool == true && (fields["type"]?.string ?? "disk") == "disk"
            }
        }
        grown = grown || ["qemu", "libvirt"].contains { machine.providers[$0]?.values["machine_virtual_size"] != nil }
        guard grown, let found = try? await communicator.capture("command -v cloud-init >/dev/null 2>&1 && echo yes || echo no"),
            found.output.trimmingCharacters(in: .whitespacesAndNewlines) == "no"
        else { return }
        output.targeting(machine.name).warn(
            "The primary disk was grown, but this guest has no cloud-init to grow its partition and file system into the new space: run growpart and resize2fs (or your distribution's tools) in the guest."
        )
    }

    /// `config.vm.post_up_message`, as Vagrant prints it after the machine's `up`.
    func sayPostUpMessage(_ machine: Machine) {
        guard let message = machine.settings["post_up_message"]?.string, !message.isEmpty else { return }
        output.targeting(machine.name).success(
            "Machine '\(machine.name)' has a post `boxer up` message. This is a message\nfrom the creator of the Vagrantfile, and not from boxer itself:\n\n\(message)"
        )
    }
}
