enum GlamImageIOPlaceholder {}
