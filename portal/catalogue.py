"""National reference lists of the consultation services (shared by the SIECLE side and the
families' portal, which imports nothing of the SIECLE side): the LPC's seven competences
(palier 3) and the B2i collège's domains and items. Labels are the official titles."""

from __future__ import annotations

from dataclasses import dataclass

LPC_COMPETENCES: dict[int, str] = {
    1: "La maîtrise de la langue française",
    2: "La pratique d'une langue vivante étrangère",
    3: "Les principaux éléments de mathématiques et la culture scientifique et technologique",
    4: "La maîtrise des techniques usuelles de l'information et de la communication",
    5: "La culture humaniste",
    6: "Les compétences sociales et civiques",
    7: "L'autonomie et l'initiative",
}

B2I_DOMAINS: dict[int, str] = {
    1: "S'approprier un environnement informatique de travail",
    2: "Adopter une attitude responsable",
    3: "Créer, produire, traiter, exploiter des données",
    4: "S'informer, se documenter",
    5: "Communiquer, échanger",
}


@dataclass(frozen=True, slots=True)
class B2iItem:
    code: str  # "1.2": domain 1, item 2
    label: str

    @property
    def domain(self) -> int:
        return int(self.code.split(".", 1)[0])


B2I_ITEMS: dict[str, B2iItem] = {
    item.code: item
    for item in (
        B2iItem("1.1", "Je sais m'identifier sur un réseau et mettre fin à cette identification."),
        B2iItem("1.2", "Je sais accéder aux logiciels et aux documents disponibles à partir de mon espace de travail."),
        B2iItem("1.3", "Je sais organiser mes espaces de stockage."),
        B2iItem("1.4", "Je sais lire les propriétés d'un fichier : nom, format, taille, dates."),
        B2iItem("1.5", "Je sais paramétrer l'impression."),
        B2iItem("1.6", "Je sais faire un autre choix que celui proposé par défaut."),
        B2iItem("2.1", "Je connais les droits et devoirs indiqués dans la charte d'usage des TIC de l'établissement."),
        B2iItem("2.2", "Je protège ma vie privée en ne donnant sur internet que des informations nécessaires."),
        B2iItem("2.3", "Je sais que la loi protège les œuvres et je respecte les droits d'auteur."),
        B2iItem("2.4", "Je m'interroge sur les résultats des traitements informatiques."),
        B2iItem("2.5", "J'applique des règles de prudence contre les risques de malveillance."),
        B2iItem("2.6", "Je sécurise mes données (gestion des mots de passe, sauvegarde)."),
        B2iItem("3.1", "Je sais modifier la mise en forme des caractères et des paragraphes."),
        B2iItem("3.2", "Je sais utiliser l'outil de recherche et de remplacement dans un document."),
        B2iItem("3.3", "Je sais regrouper dans un même document plusieurs éléments."),
        B2iItem("3.4", "Je sais créer, modifier une feuille de calcul, insérer une formule."),
        B2iItem("3.5", "Je sais réaliser un graphique de type donné."),
        B2iItem("3.6", "Je sais utiliser un outil de simulation ou de modélisation."),
        B2iItem("3.7", "Je sais traiter un fichier image ou son à l'aide d'un logiciel dédié."),
        B2iItem("4.1", "Je sais rechercher des références de documents à l'aide du logiciel documentaire."),
        B2iItem("4.2", "Je sais utiliser les fonctions principales d'un logiciel de navigation sur le web."),
        B2iItem("4.3", "Je sais utiliser les fonctions principales d'un outil de recherche sur le web."),
        B2iItem("4.4", "Je sais relever des éléments me permettant de connaître l'origine de l'information."),
        B2iItem("4.5", "Je sais sélectionner des résultats lors d'une recherche."),
        B2iItem("5.1", "Je sais ouvrir et enregistrer un fichier joint à un message ou à une publication."),
        B2iItem("5.2", "Je sais envoyer ou publier un message avec un fichier joint."),
        B2iItem("5.3", "Je sais utiliser un carnet d'adresses ou un annuaire pour choisir un destinataire."),
    )
}
