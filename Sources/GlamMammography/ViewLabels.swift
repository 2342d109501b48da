/// The breast a view shows.
public enum Laterality: Sendable {
    case left, right
}

/// The mammographic projection: craniocaudal or mediolateral oblique.
public enum MammographyView: Sendable {
    case cc, mlo
}
