import Foundation
import Testing

@testable import Builder

/// The info.json every built box carries: the minimums boxer serve reads as its image's.
@Suite struct PackagingInfoTests {
    @Test func theMinimumsAreTheTemplates() throws {
        let template = try BoxTemplate.parse(TemplateTests.good + "\nminimum: {cpus: 2, memory: 2048}\n", file: "/t/debian.yaml")
        let machine = Packaging.Machine(name: "test-debian", template: template, diskBytes: (10 << 30) - 4096, baseMAC: "080027000000")
        let info = try JSONSerialization.jsonObject(with: Packaging.info(machine)) as? [String: Any]
        let minimums = info?["minimums"] as? [String: Any]
        #expect(minimums?["os_type"] as? String == "Debian_64")
        #expect(minimums?["cpus"] as? Int == 2 && minimums?["memory_mib"] as? Int == 2048)
        #expect(minimums?["disk_gib"] as? Int == 10, "rounded up to whole GiB")
        #expect(info?["built_by"] as? String == "boxer build")
    }
}
