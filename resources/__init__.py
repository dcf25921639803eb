"""Icons, stylesheets and demo data, loaded through desktop.resources."""
