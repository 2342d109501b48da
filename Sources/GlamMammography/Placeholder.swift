// Preprocessing lands here.
enum GlamMammographyPlaceholder {}
