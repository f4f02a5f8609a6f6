extension String {
    /// The string left-aligned in a column of `width` characters (Vagrant's status and box list
    /// tables); Foundation's `padding(toLength:)` would bridge through NSString for this.
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
