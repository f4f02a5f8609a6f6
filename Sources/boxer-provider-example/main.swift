// boxer-provider-example: an external provider plugin that really runs machines. It speaks
// boxer's plugin protocol (providers/PLUGINS.md) on standard input and output and runs each
// machine with the QEMU provider, as a third party could wrap a hypervisor of its own. Put it
// on PATH (or in providers/) and use `boxer up --provider example`; machines take their
// memory and CPUs from the Vagrantfile's `qemu` provider block.
import BoxerSupport
import Foundation
import Providers

let capabilities: JSONValue = .object([
    "provider": .string("example"),
    "name": .string("Example plugin (QEMU inside)"),
    "box_formats": .array([.string("libvirt"), .string("qemu")]),
    "hosts": .object([
        "linux-amd64": .object([
            "guests": .object([
                "amd64": .object([
                    "status": .string("supported"), "accelerator": .string("kvm"), "note": .string("TCG where /dev/kvm is unusable"),
                ]),
                "arm64": .object([
                    "status": .string("partial"), "accelerator": .string("tcg"),
                    "reason": .string("another CPU architecture is emulated by TCG"),
                ]),
            ]),
            "networking": .object([
                "nat_forwarded_ports": .object(["status": .string("supported")]),
                "intnet": .object(["status": .string("supported"), "note": .string("boxer's userspace switch")]),
            ]),
        ]),
        "darwin-arm64": .object([
            "guests": .object([
                "arm64": .object([
                    "status": .string("untested"), "accelerator": .string("hvf"),
                    "reason": .string("the example plugin has only been run on Linux"),
                ]),
                "amd64": .object([
                    "status": .string("partial"), "accelerator": .string("tcg"),
                    "reason": .string("another CPU architecture is emulated by TCG"),
                ]),
            ])
        ]),
    ]),
])

let server = PluginServer(name: "example", provider: QEMUProvider(home: BoxerHome()), capabilities: capabilities)
exit(await server.run())
