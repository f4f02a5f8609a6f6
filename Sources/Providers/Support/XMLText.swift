/// Text escaped for XML character data and attribute values (either quote), for the documents
/// boxer writes: libvirt domains, pools and volumes, VMware's and Parallels' new-VM files.
enum XMLText {
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "'": escaped += "&apos;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
